// Package e2e drives the real page in headless Debian Chromium (github.com/chromedp/chromedp)
// against the real server (server/handler) on 127.0.0.1 serving a built dist/ — the model
// converted from ../shared's partial Keras file with the synthetic fill — and checks what a user
// would: the model streams in and is verified; a PNG and a JPEG picked through the file input get
// the top-5 that `graft classify` prints for the same file (PNG: probabilities within 1e-4;
// JPEG, where only the decoders differ: same top-1, probabilities within 1e-2); a reload
// downloads no chunk (Cache API); a dropped non-image gets a clear message; a photo dropped
// while the model downloads (with a 503 and a corrupt chunk injected) is classified once its
// layers are in; paste and the (fake) camera work; a huge photo is downscaled by the browser
// first; the layout fits 375 px; with the server gone, a reload still starts the app and the model
// (service worker + Cache API) and classifies. Screenshots go to testout/e2e/.
//
// It needs a built dist/ and chromium: ./build.sh web-e2e (part of ./build.sh test) builds
// and sets GRAFT_E2E_DIST; without it the test skips.
package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/web/engine"
	"github.com/graftml/graft/web/wire"
)

// Tolerances of the browser against the command line.
const (
	// pngProbTol: a PNG decodes to the same pixels in both, and everything after decoding is
	// the same Go code (compiled for wasm instead of amd64), so only float evaluation order
	// could differ; the bound we hold it to.
	pngProbTol = 1e-4
	// jpegProbTol: Chromium (libjpeg-turbo) and Go's image/jpeg use different IDCTs and
	// chroma upsampling, so pixels differ by a few levels; the bound we hold it to.
	jpegProbTol = 1e-2
	// pngFeatureTol bounds max|Δ|/max|f| of the pooled real-weight features (conv4_block6_out)
	// for a PNG: the same float32 arithmetic on both sides.
	pngFeatureTol = 1e-4
	// jpegFeatureCos is the least cosine similarity of those features for a JPEG: decoder
	// differences of a few levels per pixel move the features by a percent or so, not more.
	jpegFeatureCos = 0.99
	// maxPageBytes is the page weight budget: everything loaded before the model, brotli.
	maxPageBytes = 2_500_000
)

func TestBrowser(t *testing.T) {
	dist := os.Getenv("GRAFT_E2E_DIST")
	if dist == "" {
		t.Skip("needs a built dist/ and Chromium: run ./build.sh web-e2e (./build.sh test does), which sets GRAFT_E2E_DIST")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("GRAFT_E2E_DIST is set but chromium is not on PATH (build.sh web_e2e installs it: apt-get install -y chromium)")
	}
	root := repoRoot(t)
	out := filepath.Join(root, "testout", "e2e")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	samples := filepath.Join(sharedDir(t, root), "data", "imagenet-samples", "images")
	pngFile := filepath.Join(out, "tabby.png")
	makePNG(t, filepath.Join(samples, "n02123045_tabby.JPEG"), pngFile)
	jpegFile := filepath.Join(samples, "n02099601_golden_retriever.JPEG")

	rec, url := startServer(t, dist)
	ctx := newBrowser(t, chromium, out)
	p := &page{t: t, ctx: ctx, out: out}

	// 1. Cold load: the weights stream in and verify.
	start := time.Now()
	p.do(chromedp.Navigate(url))
	status := p.waitModel()
	cold := time.Since(start)
	coldLog := rec.take()
	p.shot("01-model-ready")
	checkColdLoad(t, status, coldLog, dist, cold)
	featureLayer := "conv4_block6_out"

	graft := buildGraft(t, root, out)
	model := filepath.Join(dist, "model")

	// 2. A PNG through the file input, default resize (crop), then Keras parity (nearest).
	p.keyboardReachesFileInput()
	for _, mode := range []string{"crop", "nearest"} {
		var res *wire.Result
		if mode == "crop" {
			res = p.classify(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{pngFile})) })
		} else {
			res = p.classify(func() { p.do(chromedp.Click(chromedp.ID("resize-nearest"))) })
		}
		p.shot("02-png-" + mode)
		want := runNative(t, graft, model, pngFile, mode, featureLayer)
		compareTop5(t, "PNG "+mode, p.displayedTop5(res.ID), want.Top5, pngProbTol, true)
		got := p.browserFeatures(status, pngFile, featureLayer, mode)
		if rel := maxRelDiff(got, want.Features); rel > pngFeatureTol {
			t.Errorf("PNG %s: %s features differ from graft features by %.3g (max |Δ| / max |f|), want ≤ %g", mode, featureLayer, rel, pngFeatureTol)
		}
		checkResultFacts(t, p, res, mode)
		t.Logf("PNG %s: top-1 %s %.4f; features max rel diff %.2g; %dx%d; decode %.0f ms, preprocess %.0f ms, model %.0f ms (%s)",
			mode, res.Top5[0].Name, res.Top5[0].Prob, maxRelDiff(got, want.Features), res.Width, res.Height,
			res.DecodeMs, res.PreprocessMs, res.ModelMs, res.Engine)
	}

	// 3. A JPEG (nearest is still selected): the decoders differ, nothing else does.
	gapCh := make(chan float64, 1)
	res := p.classify(func() {
		p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{jpegFile}))
		gapCh <- p.mainThreadGap() // the page must stay responsive while the worker computes
	})
	p.shot("03-jpeg-nearest")
	want := runNative(t, graft, model, jpegFile, "nearest", featureLayer)
	compareTop5(t, "JPEG nearest", p.displayedTop5(res.ID), want.Top5, jpegProbTol, false)
	cos := cosine(p.browserFeatures(status, jpegFile, featureLayer, "nearest"), want.Features)
	if cos < jpegFeatureCos {
		t.Errorf("JPEG: %s features have cosine %.5f with graft features', want ≥ %g", featureLayer, cos, jpegFeatureCos)
	}
	gap := <-gapCh
	t.Logf("JPEG nearest: top-1 %s %.4f; features cosine %.6f; model %.0f ms; longest main-thread stall while classifying: %.0f ms",
		res.Top5[0].Name, res.Top5[0].Prob, cos, res.ModelMs, gap)
	if gap > 1000 {
		t.Errorf("the page's main thread stalled %.0f ms while the worker classified; the model must not run on it", gap)
	}

	// Paste: the same JPEG from the clipboard gives the same answer.
	jpegBytes, err := os.ReadFile(jpegFile)
	if err != nil {
		t.Fatal(err)
	}
	pasted := p.classify(func() { p.pasteFile("pasted.jpg", "image/jpeg", jpegBytes) })
	if pasted.ID == res.ID || fmt.Sprint(pasted.Top5) != fmt.Sprint(res.Top5) {
		t.Errorf("pasting the same photo gave %v (id %d), picking it gave %v (id %d)", pasted.Top5, pasted.ID, res.Top5, res.ID)
	}

	// The camera (Chromium's fake device): a snapshot is classified.
	p.do(chromedp.Click(chromedp.ID("camera-start")))
	p.poll(`document.getElementById("camera-video").videoWidth > 0`)
	snap := p.classify(func() { p.do(chromedp.Click(chromedp.ID("camera-snap"))) })
	p.shot("04-camera")
	p.do(chromedp.Click(chromedp.ID("camera-stop")))
	if len(snap.Top5) != 5 || snap.Width == 0 {
		t.Errorf("camera snapshot: %+v", snap)
	}

	// A photo beyond the limits is downscaled by the browser before it reaches Go.
	huge := p.classify(func() { p.dropGenerated("huge.jpg", 6000, 3000) })
	fw, fh, _ := engine.PhotoLimits.Fit(6000, 3000)
	if huge.Original != "6000×3000" || huge.Width != fw || huge.Height != fh {
		t.Errorf("a 6000×3000 photo reached Go as %d×%d (original %q), want %d×%d from 6000×3000", huge.Width, huge.Height, huge.Original, fw, fh)
	}
	t.Logf("6000×3000 JPEG: decode and downscale %.0f ms, preprocess %.0f ms, model %.0f ms", huge.DecodeMs, huge.PreprocessMs, huge.ModelMs)

	// 4. A dropped non-image gets a message that names it and says what it is; so does a HEIC photo.
	p.dropFile("notes.txt", "text/plain", []byte("Shopping list: milk, eggs, a better classifier.\n"))
	msg := p.waitError()
	p.shot("05-not-an-image")
	if !strings.Contains(msg, "notes.txt") || !strings.Contains(msg, "not an image") {
		t.Errorf("dropping a text file: message %q, want one naming notes.txt and saying it is not an image", msg)
	}
	p.do(chromedp.Click(chromedp.CSS(".banner button")))
	p.dropFile("IMG_0001.HEIC", "image/heic", append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 200)...))
	if msg := p.waitError(); !strings.Contains(msg, "IMG_0001.HEIC") || !strings.Contains(msg, "HEIC") || !strings.Contains(msg, "JPEG") {
		t.Errorf("dropping a HEIC photo: message %q, want one naming it, saying HEIC, and suggesting JPEG", msg)
	}

	// 5. Reload: the model comes from the Cache API; no chunk is downloaded.
	rec.take()
	start = time.Now()
	p.do(chromedp.Reload())
	status = p.waitModel()
	warm := time.Since(start)
	warmLog := rec.take()
	p.shot("06-reload-from-cache")
	chunks := 0
	for _, s := range warmLog {
		if isChunk(s.Path) {
			chunks++
		}
	}
	counts := p.counts()
	if chunks != 0 || counts["network"] != 0 || counts["cache"] != status.ChunksTotal {
		t.Errorf("reload: %d chunk requests reached the server, the page counted %d downloaded and %d from the cache; want 0, 0 and %d",
			chunks, counts["network"], counts["cache"], status.ChunksTotal)
	}
	t.Logf("warm load (reload, model from the Cache API): %.2f s to ready, %d requests, %d bytes; model part %.0f ms (cache read and verify %.0f ms, SHA-256 by %s, build %.0f ms)",
		warm.Seconds(), len(warmLog), sumBytes(warmLog, func(string) bool { return true }), status.LoadMs, status.StoreMs, status.Digest, status.BuildMs)
	if status.Digest != "WebCrypto" { // Chromium has crypto.subtle on localhost: native SHA-256, not Go's in wasm
		t.Errorf("warm load: chunks hashed by %q, want WebCrypto", status.Digest)
	}

	// 6. A photo dropped while the model downloads, with a 503 and a corrupt chunk on the way:
	// it runs the layers that are in, waits for the rest, then is classified; the failures are
	// retried and refetched.
	p.do(chromedp.Evaluate[chromedp.Void](`caches.delete("graft-model-v1")`, chromedp.EvalAwaitPromise))
	files := chunkFiles(t, model)
	rec.mu.Lock()
	rec.corrupt[files[2]] = true
	rec.fail503[files[len(files)-3]] = true
	rec.mu.Unlock()
	release := rec.holdChunks(6)
	defer release()
	p.do(chromedp.Reload())
	p.poll(`document.querySelector("#model-layers")?.value > 0`) // the first layers are in, the rest held back
	pending := p.classifyAsync(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{pngFile})) })
	waiting := p.pollString(`document.querySelector(".working")?.textContent || ""`)
	p.shot("07-photo-during-download")
	release()
	res = pending()
	status = p.waitModel()
	p.shot("08-classified-after-download")
	if !strings.Contains(waiting, "Running the layers that are in") {
		t.Errorf("a photo dropped during the download showed %q, want a line saying it waits for the model's layers", waiting)
	}
	if res.WaitMs <= 0 {
		t.Errorf("the photo dropped during the download did not wait for the layers (wait_ms %.1f)", res.WaitMs)
	}
	if res.StreamedLayers == 0 {
		t.Errorf("the photo dropped during the download ran no layer before the last chunk arrived")
	}
	nat := runNative(t, graft, model, pngFile, "crop", featureLayer) // a fresh page starts in the default mode
	compareTop5(t, "PNG during download", p.displayedTop5(res.ID), nat.Top5, pngProbTol, true)
	if status.Retries < 1 || status.Refetched < 1 {
		t.Errorf("with a 503 and a corrupt chunk injected the page counted %d retries and %d refetches; want ≥ 1 each", status.Retries, status.Refetched)
	}

	// The other compute paths, forced with ?engine=: baseline SIMD128 (browsers without relaxed
	// SIMD) and scalar (engine-scalar.wasm, -tags purego: browsers without SIMD). Same numbers,
	// and the page names the engine.
	for _, eng := range []struct{ name, shown string }{{"wasm-simd128", "SIMD128"}, {"wasm-scalar", "scalar"}} {
		p.do(chromedp.Navigate(url + "?engine=" + eng.name))
		p.waitModel()
		r := p.classify(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{pngFile})) })
		shown, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector("#result-engine").textContent`))
		if r.Engine != eng.name || !strings.Contains(shown, eng.shown) {
			t.Errorf("?engine=%s ran %q and the page shows %q", eng.name, r.Engine, shown)
		}
		compareTop5(t, "PNG crop, "+eng.name, p.displayedTop5(r.ID), nat.Top5, pngProbTol, true)
		t.Logf("engine %s: model %.0f ms (relaxed SIMD: %.0f ms)", eng.name, r.ModelMs, res.ModelMs)
	}
	p.do(chromedp.Navigate(url))
	p.waitModel()

	// 7. 375 px wide: nothing overflows sideways.
	p.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	width := p.evalInt(`document.documentElement.scrollWidth`)
	p.shot("09-375px")
	if width > 375 {
		t.Errorf("at 375 px wide the page is %d px wide (it scrolls sideways)", width)
	}

	// 8. Offline: the server is gone; the app starts from the service worker's copy, the model
	// from the Cache API, and a photo is classified.
	p.poll(`navigator.serviceWorker.controller !== null`)
	rec.stop()
	p.do(chromedp.Reload())
	status = p.waitModel()
	offline := p.classify(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{pngFile})) })
	p.shot("10-offline")
	cacheLine, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector("#model-cache")?.textContent || ""`))
	if !status.ManifestFromCache || status.FromNetwork != 0 || !strings.Contains(cacheLine, "using the copy kept in this browser") {
		t.Errorf("offline reload: manifest from cache %v, %d chunks from the network, cache line %q", status.ManifestFromCache, status.FromNetwork, cacheLine)
	}
	compareTop5(t, "PNG offline", p.displayedTop5(offline.ID), nat.Top5, pngProbTol, true)
}

// ---- the page ----

type page struct {
	t         *testing.T
	ctx       context.Context
	out       string
	extractID int // the last extract message browserFeatures sent
}

func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

// poll waits for a JavaScript expression to be truthy.
func (p *page) poll(expr string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(3*time.Minute), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		p.t.Fatalf("waiting for %s: %v", expr, err)
	}
}

func (p *page) pollString(expr string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(3*time.Minute), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		p.t.Fatalf("waiting for %s: %v", expr, err)
	}
	return s
}

func (p *page) evalInt(expr string) int {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](expr))
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

// shot saves a full-page screenshot as testout/e2e/NAME.png.
func (p *page) shot(name string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.out, name+".png"), buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// waitModel waits until the model panel says ready (or error) and returns the worker's status.
func (p *page) waitModel() wire.Status {
	p.t.Helper()
	phase := p.pollString(`(() => { const p = document.querySelector("#model-headline")?.dataset.phase;
		return (p === "ready" || p === "error") ? p : ""; })()`)
	if phase != "ready" {
		msg, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector("#error-message")?.textContent || ""`))
		p.t.Fatalf("the model did not load: %s", msg)
	}
	raw := p.pollString(lastJS(wire.KindStatus, ""))
	env, err := wire.Decode(raw)
	if err != nil || env.Status.Phase != wire.PhaseReady {
		p.t.Fatalf("last status %q: %v", raw, err)
	}
	return *env.Status
}

// classify runs action (which gives the page a photo) and waits for the result.
func (p *page) classify(action func()) *wire.Result {
	p.t.Helper()
	return p.classifyAsync(action)()
}

// classifyAsync runs action now and returns a function that waits for its result.
func (p *page) classifyAsync(action func()) func() *wire.Result {
	p.t.Helper()
	p.mark("classify")
	action()
	return func() *wire.Result {
		p.t.Helper()
		raw := p.pollString(fmt.Sprintf(`%s || (%s ? "failed: " + JSON.parse(%[2]s).failed.message : "")`,
			lastJS(wire.KindResult, "classify"), lastJS(wire.KindFailed, "classify")))
		env, err := wire.Decode(raw)
		if err != nil {
			p.t.Fatalf("the page did not classify the photo: %s", raw)
		}
		id := env.Result.ID
		p.poll(fmt.Sprintf(`document.querySelector("#top5")?.dataset.photo === "%d"`, id))
		return env.Result
	}
}

// displayedTop5 reads the top-5 as the page shows it (label index and probability attributes).
func (p *page) displayedTop5(photo int) []wire.Prediction {
	p.t.Helper()
	raw, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`JSON.stringify(Array.from(document.querySelectorAll("#top5 li")).map(li =>
		({index: +li.dataset.index, name: li.querySelector(".label").textContent, prob: +li.dataset.prob})))`))
	if err != nil {
		p.t.Fatal(err)
	}
	var top []wire.Prediction
	if err := json.Unmarshal([]byte(raw), &top); err != nil {
		p.t.Fatal(err)
	}
	return top
}

// counts reads the model panel's chunk counters of this visit.
func (p *page) counts() map[string]int {
	p.t.Helper()
	return map[string]int{
		"network": p.evalInt(`+document.querySelector("#model-counts").dataset.fromNetwork`),
		"cache":   p.evalInt(`+document.querySelector("#model-counts").dataset.fromCache`),
	}
}

// keyboardReachesFileInput tabs from the top of the page until the file input has focus.
func (p *page) keyboardReachesFileInput() {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`))
	for range 10 {
		p.do(chromedp.KeyEvent("\t"))
		if id, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.activeElement?.id || ""`)); id == "file-input" {
			p.shot("02-keyboard-focus")
			ring, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('label[for="file-input"]')).outlineStyle`))
			if ring == "none" || ring == "" {
				p.t.Error("the photo picker has keyboard focus but its button shows no focus ring")
			}
			return
		}
	}
	p.t.Error("ten Tab presses from the top of the page did not reach the photo picker (#file-input)")
}

// fileJS is a JavaScript expression making a File with the given bytes.
func fileJS(name, mime string, data []byte) string {
	return fmt.Sprintf(`new File([Uint8Array.from(atob(%q), c => c.charCodeAt(0))], %q, {type: %q})`,
		base64.StdEncoding.EncodeToString(data), name, mime)
}

// dropFile drops a file with the given bytes on the drop zone, as a drag from the desktop would.
func (p *page) dropFile(name, mime string, data []byte) {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const dt = new DataTransfer();
		dt.items.add(%s);
		const zone = document.getElementById("drop-zone");
		for (const type of ["dragenter", "dragover", "drop"])
			zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`, fileJS(name, mime, data))))
}

// dropGenerated drops a w×h JPEG drawn by the page (a gradient with stripes).
func (p *page) dropGenerated(name string, w, h int) {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(async () => {
		const c = new OffscreenCanvas(%d, %d), g = c.getContext("2d");
		const grad = g.createLinearGradient(0, 0, c.width, c.height);
		grad.addColorStop(0, "#c33"); grad.addColorStop(1, "#36c");
		g.fillStyle = grad; g.fillRect(0, 0, c.width, c.height);
		g.fillStyle = "#fff";
		for (let x = 0; x < c.width; x += 200) g.fillRect(x, 0, 40, c.height);
		const blob = await c.convertToBlob({type: "image/jpeg", quality: 0.9});
		const dt = new DataTransfer();
		dt.items.add(new File([blob], %q, {type: "image/jpeg"}));
		document.getElementById("drop-zone").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`, w, h, name), chromedp.EvalAwaitPromise))
}

// pasteFile pastes a file from the clipboard, as Ctrl+V after copying a photo would.
func (p *page) pasteFile(name, mime string, data []byte) {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const dt = new DataTransfer();
		dt.items.add(%s);
		document.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
	})()`, fileJS(name, mime, data))))
}

func (p *page) waitError() string {
	p.t.Helper()
	return p.pollString(`document.querySelector("#error-message")?.textContent || ""`)
}

// mainThreadGap measures the longest stall of the page's event loop over ~1 s, in ms.
func (p *page) mainThreadGap() float64 {
	p.t.Helper()
	gap, err := chromedp.Run(p.ctx, chromedp.Evaluate[float64](`new Promise(done => {
		let last = performance.now(), worst = 0, n = 0;
		const tick = () => {
			const now = performance.now();
			worst = Math.max(worst, now - last);
			last = now;
			if (++n < 100) setTimeout(tick, 10); else done(worst);
		};
		setTimeout(tick, 10);
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatal(err)
	}
	return gap
}

// ---- checks ----

func checkColdLoad(t *testing.T, status wire.Status, log []served, dist string, took time.Duration) {
	t.Helper()
	if status.ChunksDone != status.ChunksTotal || status.FromNetwork != status.ChunksTotal || !status.Cached {
		t.Errorf("cold load: %d of %d chunks verified, %d downloaded, cached %v; want all, all, true",
			status.ChunksDone, status.ChunksTotal, status.FromNetwork, status.Cached)
	}
	if !status.Synthetic || status.SyntheticOf == "" {
		t.Errorf("the model converted from the partial file has synthetic layers, but the status says synthetic=%v (%q)", status.Synthetic, status.SyntheticOf)
	}
	isPage := func(p string) bool { return !strings.HasPrefix(p, "/model/") && !strings.HasPrefix(p, "/api/") }
	onWire := sumBytes(log, isPage)
	brotli := int64(0)
	var files []string
	for _, s := range log {
		if isPage(s.Path) && s.Status == 200 { // 304s (the service worker's copies) cost no body
			files = append(files, fmt.Sprintf("%s (%d B %s)", s.Path, s.Bytes, s.Encoding))
			brotli += brotliSize(t, dist, s.Path)
		}
	}
	modelBytes := sumBytes(log, func(p string) bool { return strings.HasPrefix(p, "/model/") })
	t.Logf("cold load: %.2f s to model ready (model part %.0f ms, of which building %.0f ms); page %d bytes over the wire as served here, %d with brotli; model %d bytes; %s",
		took.Seconds(), status.LoadMs, status.BuildMs, onWire, brotli, modelBytes, strings.Join(files, ", "))
	if brotli > maxPageBytes {
		t.Errorf("page weight before the model: %d bytes with brotli, budget %d", brotli, maxPageBytes)
	}
}

// checkResultFacts: the result names its engine and resize mode, on the page too.
func checkResultFacts(t *testing.T, p *page, r *wire.Result, mode string) {
	t.Helper()
	if r.Resize != mode || !strings.HasPrefix(r.Engine, "wasm-") {
		t.Errorf("result says resize %q engine %q; want %q and a wasm engine", r.Resize, r.Engine, mode)
	}
	text, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector("#result-resize").textContent + " | " + document.querySelector("#result-engine").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, mode+":") {
		t.Errorf("the page shows %q; want the resize mode %q named", text, mode)
	}
}

// compareTop5: same labels (same order when strict; top-1 only otherwise) and probabilities
// within tol.
func compareTop5(t *testing.T, what string, got, want []wire.Prediction, tol float64, strict bool) {
	t.Helper()
	if len(got) != 5 || len(want) != 5 {
		t.Fatalf("%s: %d labels shown, graft classify gave %d; want 5", what, len(got), len(want))
	}
	if got[0].Index != want[0].Index {
		t.Errorf("%s: top-1 %d %s, graft classify says %d %s", what, got[0].Index, got[0].Name, want[0].Index, want[0].Name)
	}
	for i := range got {
		if strict && got[i].Index != want[i].Index {
			t.Errorf("%s: label %d is %d %s, graft classify says %d %s", what, i+1, got[i].Index, got[i].Name, want[i].Index, want[i].Name)
		}
		if d := math.Abs(float64(got[i].Prob - want[i].Prob)); d > tol {
			t.Errorf("%s: label %d probability %.6f, graft classify says %.6f (|Δ| %.2g > %g)", what, i+1, got[i].Prob, want[i].Prob, d, tol)
		}
	}
}

func maxRelDiff(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return math.Inf(1)
	}
	var d, m float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
		m = math.Max(m, math.Abs(float64(b[i])))
	}
	return d / math.Max(m, 1e-30)
}

func cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

func sumBytes(log []served, keep func(string) bool) int64 {
	var n int64
	for _, s := range log {
		if keep(s.Path) {
			n += s.Bytes
		}
	}
	return n
}

// brotliSize is the size of the file behind a URL path as a brotli-capable browser gets it.
func brotliSize(t *testing.T, dist, urlPath string) int64 {
	name := strings.TrimPrefix(urlPath, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	for _, f := range []string{name + ".br", name} {
		if st, err := os.Stat(filepath.Join(dist, filepath.FromSlash(f))); err == nil {
			return st.Size()
		}
	}
	return 0
}

// chunkFiles lists the model's chunk files in payload order.
func chunkFiles(t *testing.T, model string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(model, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Chunks []struct{ File string } }
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, c := range m.Chunks {
		files = append(files, c.File)
	}
	if len(files) < 8 {
		t.Fatalf("the model has %d chunks; the fault injection needs at least 8", len(files))
	}
	return files
}

// ---- setup ----

// newBrowser starts headless Chromium with the flags this machine needs (no sandbox as root, no background networking), and logs the page's
// console and uncaught exceptions into the test log (and testout/e2e/console.log).
// browserTimeout bounds one browser's session (the measurements raise it).
var browserTimeout = 6 * time.Minute

// extraFlags are more Chromium switches, "name" or "name=value".
func newBrowser(t *testing.T, chromium, out string, extraFlags ...string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true), // the camera: allowed, and a test pattern
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.WindowSize(1280, 900),
	)
	for _, f := range extraFlags {
		name, value, ok := strings.Cut(f, "=")
		if ok {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if err := installRecorder(ctx); err != nil {
		t.Fatalf("installing the message recorder: %v", err)
	}
	logFile, err := os.Create(filepath.Join(out, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	consoleEvents := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range consoleEvents {
			if err != nil {
				return
			}
			var parts []string
			for _, a := range ev.Args {
				if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			fmt.Fprintf(logFile, "console.%s: %s\n", ev.Type, strings.Join(parts, " "))
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			fmt.Fprintf(logFile, "exception: %s\n", text)
		}
	}()
	return ctx
}

// repoRoot walks up from the test's directory to the folder holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// sharedDir is $GRAFT_SHARED or ../shared beside the repository.
func sharedDir(t *testing.T, root string) string {
	t.Helper()
	dir := os.Getenv("GRAFT_SHARED")
	if dir == "" {
		dir = filepath.Join(root, "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "imagenet-samples")); err != nil {
		t.Skipf("the shared test photos are absent (%v); they live in ../shared/data", err)
	}
	return dir
}
