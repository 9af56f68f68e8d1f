// The training flow in headless Chromium against the real server: a folder of
// 20 + 20 cats-vs-dogs photos (re-encoded as PNG, so the browser and Go decode identical pixels)
// with a text file, a duplicate and a stray file, picked through the folder input
// (DOM.setFileInputFiles with the directory); the page lists the classes and what it skipped;
// Train extracts features over the worker pool and trains with live curves; the result shows the
// validation accuracy, the confusion matrix and the wrong photos. The head is checked against
// `graft train` on the same folder with the same settings (parityTol below), exported (a real
// download), saved, still there after a reload, imported back (and a bad and a mismatched file
// refused with clear words), and used on a photo beside the top-5, matching the native head's
// probabilities. Retraining with other settings reads every feature from IndexedDB. Every
// request the page and its workers made meanwhile is a GET of one of the app's own files: no
// photo leaves the page. Screenshots: testout/e2e/train-*.png.
package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/web/wire"
)

// Training parity of the browser against `graft train`, same folder, same settings.
const (
	// parityWeightTol bounds max|Δw| / max|w| per layer of the two heads. The features agree to
	// pngFeatureTol (relative; the wasm SIMD and native Go GEMMs sum in different orders), and a
	// few epochs of Adam carry such a difference through: measured natively by training on
	// features perturbed by 1e-4 relative noise (engine's TestTrainingSensitivity), which moves
	// the weights by ≲ 1e-3 relative. 1e-2 leaves a margin and still fails any real divergence
	// (another split, order, initialisation or dropout draw moves them by O(1)).
	parityWeightTol = 1e-2
	// parityLossTol bounds the difference of the validation losses (an absolute value in nats).
	parityLossTol = 1e-3
	// headProbTol bounds the difference of the head's class probabilities for one PNG photo
	// between the page and the exported head run natively on graft features.
	headProbTol = 1e-3
	// trainPerClass photos of each class go into the test folder.
	trainPerClass = 20
)

func TestTrainInBrowser(t *testing.T) {
	dist, chromium, root, out, shared := browserTestEnv(t)
	data := filepath.Join(t.TempDir(), "pets")
	photos := makeTrainFolder(t, filepath.Join(shared, "data", "cats-vs-dogs", "train"), data, trainPerClass)
	downloads := t.TempDir()

	rec, base := startServer(t, dist)
	ctx := newBrowser(t, chromium, out)
	p := &page{t: t, ctx: ctx, out: out}
	reqs := recordRequests(t, ctx)
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.Navigate(base))
	p.waitModel()
	p.poll("!!" + lastJS(wire.KindHeads, "")) // the model worker answered with the (empty) saved heads
	graft := buildGraft(t, root, out)
	model := filepath.Join(dist, "model")

	// 0. A folder dropped on the page (DataTransferItem.webkitGetAsEntry; the entries are built
	// in the page, since a test cannot drag a real directory): classes, an empty one, a stray file.
	p.waitListing(p.dropFolder)
	if got := p.pollString(`Array.from(document.querySelectorAll("#class-table tbody tr")).map(r => r.dataset.class + ":" + r.dataset.images).join(" ")`); got != "blue:2 empty:0 red:2" {
		t.Errorf("a dropped folder lists classes %q, want blue:2 empty:0 red:2", got)
	}
	if got := p.pollString(`document.querySelector('#skipped li[data-path="stray.txt"]')?.dataset.reason || ""`); got != "not inside a class folder" {
		t.Errorf("the stray file of a dropped folder: %q", got)
	}

	// 1. The folder, through the folder input: classes, counts, and what was skipped and why.
	rec.take()
	reqs.take()
	start := time.Now()
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
	p.shot("train-01-listed")
	checkListing(t, p)
	t.Logf("listing %d files: %.1f s", 2*trainPerClass+3, time.Since(start).Seconds())

	// 2. Train with a few epochs and flips; the pool extracts, the curves grow, the result shows.
	settings := map[string]string{"set-epochs": "6", "set-seed": "7"}
	for id, v := range settings {
		p.setField(id, v)
	}
	p.do(chromedp.Click(chromedp.ID("set-flip")))
	start = time.Now()
	p.clickTrain()
	p.poll(`document.querySelector("#extract-progress")?.dataset.done >= 10`)
	p.shot("train-02-extracting")
	extractLine := p.pollString(`document.querySelector("#extract-line")?.textContent || ""`)
	p.poll(`document.querySelector("#loss-chart")?.dataset.epochs > 0`)
	p.shot("train-03-epochs")
	trained := p.waitTrained()
	took := time.Since(start)
	p.shot("train-04-result")
	checkResult(t, p, trained)
	t.Logf("first training (extraction of %d images × 2 views, then %d epochs): %.1f s; %s; training %.0f ms",
		2*trainPerClass, len(trained.History), took.Seconds(), extractLine, trained.TrainMs)

	// 3. Parity with graft train on the same folder and settings.
	nativeHead := filepath.Join(out, "native.grafthead")
	runJSON(t, graft, "train", "--model", model, "--data", data, "--seed", "7", "--epochs", "6", "--flip", "--cache", "off", "--out", nativeHead)
	p.do(chromedp.Click(chromedp.ID("export-trained")))
	browserHead := waitDownload(t, downloads, ".grafthead")
	compareHeads(t, browserHead, nativeHead)

	// 4. Cancel: a run that must extract (another resize mode) stops; nothing more is extracted.
	p.setField("set-resize", "nearest")
	p.clickTrain()
	p.poll(`document.querySelector("#extract-progress")?.dataset.done >= 2`)
	p.do(chromedp.Click(chromedp.ID("cancel-button")))
	p.poll(`document.querySelector("#train-message")?.textContent === "Cancelled." && !document.querySelector("#train-button").disabled`)
	doneAtCancel := p.evalInt(`+document.querySelector("#extract-progress").dataset.done`)
	time.Sleep(1500 * time.Millisecond)
	if later := p.evalInt(`+document.querySelector("#extract-progress").dataset.done`); later != doneAtCancel {
		t.Errorf("after Cancel the extraction went on from %d to %d images", doneAtCancel, later)
	}
	p.shot("train-04b-cancelled")
	p.setField("set-resize", "crop")

	// 5. Retrain with other settings: every feature comes from IndexedDB, nothing is extracted.
	p.setField("set-head", "linear")
	p.setField("set-epochs", "20")
	p.do(chromedp.Click(chromedp.ID("set-flip")))
	start = time.Now()
	p.clickTrain()
	retrained := p.waitTrained()
	retook := time.Since(start)
	if p.evalInt(`document.querySelectorAll("#extract-progress").length`) != 0 || retrained.Head.Preset != "linear" {
		t.Errorf("retraining with the features cached showed an extraction, or trained %q instead of linear", retrained.Head.Preset)
	}
	t.Logf("retraining (linear head, features from IndexedDB): %.2f s in all; reading the cache %.0f ms, training %.0f ms",
		retook.Seconds(), retrained.LoadMs, retrained.TrainMs)
	checkNoPhotoLeft(t, rec.take(), reqs.take(), base, dist)

	// 6. Save, reload: the head is still there. Export it, import it back; refuse bad files.
	p.do(chromedp.SetValue(chromedp.ID("save-name"), "pets"))
	p.do(chromedp.Click(chromedp.ID("save-button")))
	p.poll(`document.querySelectorAll("#saved-heads li").length === 1`)
	p.do(chromedp.Reload())
	p.waitModel()
	p.poll(`document.querySelectorAll("#saved-heads li").length === 1`)
	p.shot("train-05-saved-after-reload")
	if name := p.pollString(`document.querySelector("#saved-heads li")?.dataset.name || ""`); name != "pets" {
		t.Errorf("after a reload the saved head is called %q, want pets", name)
	}
	p.do(chromedp.Click(chromedp.CSS("#saved-heads li .export")))
	exported := waitDownload(t, downloads, "pets.grafthead")
	p.importHead(exported)
	p.poll(`document.querySelectorAll("#saved-heads li").length === 2`)
	notHead := filepath.Join(t.TempDir(), "photo.grafthead")
	copyFile(t, photos[0], notHead)
	if msg := p.importHeadError(notHead); !strings.Contains(msg, "not a Graft head file") {
		t.Errorf("importing a PNG renamed .grafthead: %q, want it called not a Graft head file", msg)
	}
	other := otherModelHead(t, exported)
	if msg := p.importHeadError(other); !strings.Contains(msg, "does not fit this model") || !strings.Contains(msg, "another-model") {
		t.Errorf("importing a head of another model: %q, want it refused naming that model", msg)
	}
	p.shot("train-06-import-errors")

	// 7. Classify a photo with the imported head (now active): its classes beside the top-5,
	// with the probabilities the exported head gives natively on graft features.
	photo := filepath.Join(out, "validation-cat.png")
	makePNG(t, filepath.Join(shared, "data", "cats-vs-dogs", "validation", "cats", firstJPEG(t, filepath.Join(shared, "data", "cats-vs-dogs", "validation", "cats"))), photo)
	res := p.classify(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{photo})) })
	p.poll(`document.querySelectorAll("#head-probs li").length === 2`)
	p.shot("train-07-classified-with-head")
	if res.Head == nil || len(res.Head.Classes) != 2 {
		t.Fatalf("the result carries no head prediction: %+v", res.Head)
	}
	checkHeadProbs(t, graft, model, photo, exported, res.Head)
	checkHeadHeat(t, p, graft, model, photo, exported, res.Head)
	checkSortFolder(t, p, graft, model, exported, downloads, photos)
	checkNoPhotoLeft(t, rec.take(), reqs.take(), base, dist)

	// 8. Head training time on 1,000 synthetic feature vectors × 20 epochs, in the model worker.
	for _, b := range []wire.Bench{{Head: "linear"}, {Head: "mlp256"}, {Head: "mlp256", Flip: true}} {
		b.Images, b.Epochs = 1000, 20
		r := p.bench(b)
		t.Logf("head training in the browser (%s, flips %v), %d images × %d epochs of %d features: %.2f s (%s)",
			r.Head, r.Flip, r.Images, r.Epochs, r.Features, r.Ms/1000, r.Engine)
	}
}

// ---- the folder ----

// makeTrainFolder fills dir with perClass photos of each class of src re-encoded as PNG, plus a
// text file in a class folder, a duplicate of a cat in dogs/, and a file outside any class
// folder. It returns the PNGs written.
func makeTrainFolder(t *testing.T, src, dir string, perClass int) []string {
	t.Helper()
	var written []string
	for _, class := range []string{"cats", "dogs"} {
		if err := os.MkdirAll(filepath.Join(dir, class), 0o755); err != nil {
			t.Fatal(err)
		}
		names, err := filepath.Glob(filepath.Join(src, class, "*.jpg"))
		if err != nil || len(names) < perClass {
			t.Fatalf("%s/%s: %d photos (%v), want ≥ %d", src, class, len(names), err, perClass)
		}
		slices.Sort(names)
		for _, n := range names[:perClass] {
			to := filepath.Join(dir, class, strings.TrimSuffix(filepath.Base(n), ".jpg")+".png")
			makePNG(t, n, to)
			written = append(written, to)
		}
	}
	copyFile(t, written[0], filepath.Join(dir, "dogs", "zz-copy.png"))
	writeFile(t, filepath.Join(dir, "cats", "notes.txt"), []byte("not a photo\n"))
	writeFile(t, filepath.Join(dir, "README.txt"), []byte("one sub-folder per class\n"))
	return written
}

func firstJPEG(t *testing.T, dir string) string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no photos in %s", dir)
	}
	slices.Sort(names)
	return filepath.Base(names[0])
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, data)
}

// checkListing: two classes of trainPerClass images; the text file, the duplicate and the stray
// file skipped with app/dataset's reasons.
func checkListing(t *testing.T, p *page) {
	t.Helper()
	var listing struct {
		Classes map[string]string
		Skipped map[string]string
	}
	raw := p.pollString(`JSON.stringify({
		classes: Object.fromEntries(Array.from(document.querySelectorAll("#class-table tbody tr")).map(r => [r.dataset.class, r.dataset.images])),
		skipped: Object.fromEntries(Array.from(document.querySelectorAll("#skipped li")).map(li => [li.dataset.path, li.dataset.reason]))})`)
	if err := json.Unmarshal([]byte(raw), &listing); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(trainPerClass)
	if len(listing.Classes) != 2 || listing.Classes["cats"] != want || listing.Classes["dogs"] != want {
		t.Errorf("the page lists classes %v, want cats and dogs with %s images each", listing.Classes, want)
	}
	for path, reason := range map[string]string{"cats/notes.txt": "not an image", "dogs/zz-copy.png": "duplicate of cats/",
		"README.txt": "not inside a class folder"} {
		if !strings.HasPrefix(listing.Skipped[path], reason) {
			t.Errorf("skipped %s: reason %q, want one starting %q (all: %v)", path, listing.Skipped[path], reason, listing.Skipped)
		}
	}
}

// waitListing runs action (which gives the page a folder) and waits for its listing.
func (p *page) waitListing(action func()) {
	p.t.Helper()
	before := p.pollString(`document.querySelector("#listing-line")?.dataset.id || "none"`)
	action()
	p.poll(fmt.Sprintf(`(() => { const l = document.querySelector("#listing-line"); return l && l.dataset.id !== %q && l.dataset.final === "true"; })()`, before))
}

// dropFolder drops a folder built in the page — dropped/{red,blue}/*.png, dropped/empty/,
// dropped/stray.txt — as FileSystemEntry objects behind a DataTransfer-like object, on the
// folder drop zone: the page's drop handler, folder.mjs's walk and the listing all run.
func (p *page) dropFolder() {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](`(async () => {
		const png = async (name, color) => {
			const c = new OffscreenCanvas(64, 48), g = c.getContext("2d");
			g.fillStyle = color; g.fillRect(0, 0, 64, 48); g.fillStyle = "#fff"; g.fillRect(8, 8, name.length * 4, 8);
			return new File([await c.convertToBlob({type: "image/png"})], name, {type: "image/png"});
		};
		const file = (f) => ({isFile: true, isDirectory: false, name: f.name, file: (ok) => ok(f)});
		const dir = (name, children) => ({isFile: false, isDirectory: true, name, createReader: () => {
			let next = 0; // answers in batches of one, as readEntries may
			return {readEntries: (ok) => ok(next < children.length ? [children[next++]] : [])};
		}});
		const root = dir("dropped", [
			dir("red", [file(await png("r1.png", "#c00")), file(await png("r2.png", "#e22"))]),
			dir("blue", [file(await png("b1.png", "#03c")), file(await png("b2.png", "#24e"))]),
			dir("empty", []),
			file(new File(["not a class"], "stray.txt", {type: "text/plain"})),
		]);
		const ev = new Event("drop", {bubbles: true, cancelable: true});
		Object.defineProperty(ev, "dataTransfer", {value: {items: [{kind: "file", webkitGetAsEntry: () => root}], files: []}});
		document.getElementById("folder-zone").dispatchEvent(ev);
	})()`, chromedp.EvalAwaitPromise))
}

// ---- training ----

// setField types a value into a form field and fires change, as a user leaving the field does.
func (p *page) setField(id, value string) {
	p.t.Helper()
	p.do(chromedp.SetValue(chromedp.ID(id), value))
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).dispatchEvent(new Event("change", {bubbles: true}))`, id)))
}

// clickTrain starts a run.
func (p *page) clickTrain() {
	p.t.Helper()
	p.mark("train")
	p.do(chromedp.Click(chromedp.ID("train-button")))
}

// waitTrained waits for the page to show the run clickTrain started, and returns the worker's message.
func (p *page) waitTrained() *wire.Trained {
	p.t.Helper()
	raw := p.pollString(lastJS(wire.KindTrained, "train") + ` || (document.querySelector("#train-message")?.textContent.startsWith("Training failed") ? "failed: " + document.querySelector("#train-message").textContent : "")`)
	env, err := wire.Decode(raw)
	if err != nil || env.Kind != wire.KindTrained {
		p.t.Fatalf("training did not finish: %s", raw)
	}
	p.poll(fmt.Sprintf(`document.querySelector("#train-result")?.dataset.run === "%d"`, env.Trained.Run))
	return env.Trained
}

// checkResult: the curves have a point per epoch, the matrix and per-class table agree with the
// run's metrics, the gallery shows each wrong photo.
func checkResult(t *testing.T, p *page, r *wire.Trained) {
	t.Helper()
	if r.Validation == nil || r.ValImages != 8 || r.TrainImages != 2*trainPerClass-8 {
		t.Fatalf("the run split %d training and %d validation images (metrics %v); want %d and 8", r.TrainImages, r.ValImages, r.Validation != nil, 2*trainPerClass-8)
	}
	for _, chart := range []string{"loss-chart", "accuracy-chart"} {
		n := p.evalInt(fmt.Sprintf(`+document.querySelector("#%s").dataset.epochs`, chart))
		points := p.evalInt(fmt.Sprintf(`document.querySelector("#%s polyline.series-val").getAttribute("points").trim().split(/\s+/).length`, chart))
		if n != len(r.History) || points != len(r.History) {
			t.Errorf("%s: %d epochs, %d validation points drawn; the run had %d epochs", chart, n, points, len(r.History))
		}
	}
	raw := p.pollString(`JSON.stringify(Array.from(document.querySelectorAll("#confusion g.cell")).map(g => [+g.dataset.row, +g.dataset.col, +g.dataset.count]))`)
	var cells [][3]int
	if err := json.Unmarshal([]byte(raw), &cells); err != nil {
		t.Fatal(err)
	}
	if len(cells) != 4 {
		t.Fatalf("the confusion matrix has %d cells, want 4", len(cells))
	}
	for _, c := range cells {
		if c[2] != r.Validation.Confusion[c[0]][c[1]] {
			t.Errorf("confusion cell (%d,%d) shows %d, the run counted %d", c[0], c[1], c[2], r.Validation.Confusion[c[0]][c[1]])
		}
	}
	if n := p.evalInt(`document.querySelectorAll("#wrong-gallery img").length`); n != len(r.Validation.Wrong) {
		t.Errorf("the gallery shows %d photos, the run got %d wrong", n, len(r.Validation.Wrong))
	}
	if n := p.evalInt(`Array.from(document.querySelectorAll("#wrong-gallery img")).filter(i => i.complete && i.naturalWidth > 0).length`); n != len(r.Validation.Wrong) {
		t.Errorf("%d of %d gallery photos loaded", n, len(r.Validation.Wrong))
	}
	acc := p.pollString(`document.querySelector("#val-accuracy").textContent`)
	t.Logf("browser run: %s; history %v", acc, r.History)
}

// compareHeads: the browser's head and graft train's, same folder and settings, agree.
func compareHeads(t *testing.T, browserFile, nativeFile string) {
	t.Helper()
	b, n := parseHead(t, browserFile), parseHead(t, nativeFile)
	if b.Base != n.Base || !slices.Equal(b.Classes, n.Classes) || fmt.Sprint(b.Training) != fmt.Sprint(n.Training) {
		t.Fatalf("the heads differ in what they are:\nbrowser %+v %v %+v\nnative  %+v %v %+v", b.Base, b.Classes, b.Training, n.Base, n.Classes, n.Training)
	}
	if b.Metrics == nil || n.Metrics == nil {
		t.Fatal("a head has no validation metrics")
	}
	bm, nm := b.Metrics, n.Metrics
	if bm.Examples != nm.Examples || bm.BestEpoch != nm.BestEpoch || bm.Epochs != nm.Epochs || fmt.Sprint(bm.Confusion) != fmt.Sprint(nm.Confusion) {
		t.Errorf("validation differs: browser %d images, epochs %d (best %d), confusion %v; graft train %d, %d (%d), %v",
			bm.Examples, bm.Epochs, bm.BestEpoch, bm.Confusion, nm.Examples, nm.Epochs, nm.BestEpoch, nm.Confusion)
	}
	if d := math.Abs(bm.Loss - nm.Loss); d > parityLossTol {
		t.Errorf("validation loss: browser %.6f, graft train %.6f (|Δ| %.2g > %g)", bm.Loss, nm.Loss, d, parityLossTol)
	}
	if len(b.Layers) != len(n.Layers) {
		t.Fatalf("%d layers vs %d", len(b.Layers), len(n.Layers))
	}
	for i := range b.Layers {
		for _, part := range []struct {
			name string
			x, y []float32
		}{{"kernel", b.Layers[i].Kernel, n.Layers[i].Kernel}, {"bias", b.Layers[i].Bias, n.Layers[i].Bias}} {
			rel := maxRelDiff(part.x, part.y)
			if rel > parityWeightTol {
				t.Errorf("layer %d %s: max|Δ|/max|w| %.3g > %g", i, part.name, rel, parityWeightTol)
			}
			t.Logf("parity: layer %d %s (%d values) max|Δ|/max|w| = %.3g", i, part.name, len(part.x), rel)
		}
	}
	t.Logf("parity: validation loss browser %.6f vs graft train %.6f; confusion %v both", bm.Loss, nm.Loss, bm.Confusion)
}

func parseHead(t *testing.T, path string) *head.Model {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := headfile.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// otherModelHead writes a copy of a head file that claims another base model.
func otherModelHead(t *testing.T, from string) string {
	t.Helper()
	m := parseHead(t, from)
	m.Base.ModelID = "another-model"
	data, err := headfile.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other.grafthead")
	writeFile(t, path, data)
	return path
}

// waitDownload waits for a finished download whose name ends with suffix, and moves it aside.
func waitDownload(t *testing.T, dir, suffix string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), suffix) {
				to := filepath.Join(t.TempDir(), e.Name())
				if err := os.Rename(filepath.Join(dir, e.Name()), to); err != nil {
					t.Fatal(err)
				}
				return to
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no download ending %q arrived in %s", suffix, dir)
	return ""
}

// importHead picks a file in the head import input.
func (p *page) importHead(file string) {
	p.t.Helper()
	p.mark("head_error")
	p.do(chromedp.SetUploadFiles(chromedp.ID("head-import"), []string{file}))
}

// importHeadError imports a file that must be refused and returns the page's message.
func (p *page) importHeadError(file string) string {
	p.t.Helper()
	p.importHead(file)
	p.poll("!!" + lastJS(wire.KindHeadError, "head_error"))
	return p.pollString(`document.querySelector("#head-error").textContent`)
}

// checkHeadProbs: the page's head probabilities for photo equal the exported head's on the
// features graft prints for the same file.
func checkHeadProbs(t *testing.T, graft, model, photo, headFile string, got *wire.HeadPrediction) {
	t.Helper()
	m := parseHead(t, headFile)
	var feat struct{ Features []float32 }
	if err := json.Unmarshal(runJSON(t, graft, "features", "--layer", m.Base.Layer, "--model", model, "--resize", m.Base.Resize, photo), &feat); err != nil {
		t.Fatal(err)
	}
	want, err := m.Probabilities(feat.Features, 1)
	if err != nil {
		t.Fatal(err)
	}
	for c, cp := range got.Classes {
		if cp.Name != m.Classes[c] || math.Abs(float64(cp.Prob-want[c])) > headProbTol {
			t.Errorf("head class %d: page %s %.5f, native %s %.5f (tolerance %g)", c, cp.Name, cp.Prob, m.Classes[c], want[c], headProbTol)
		}
	}
	t.Logf("classified with the imported head: %v (native %v)", got.Classes, want)
}

// checkHeadHeat: the result's heat map is graft explain's for the same photo and head (cells
// within heatTol: the features agree to ~1e-5 relative), and "Show why" draws it over the photo:
// the canvas is shown, opaque where the map peaks, and follows the opacity slider.
func checkHeadHeat(t *testing.T, p *page, graft, model, photo, headFile string, got *wire.HeadPrediction) {
	t.Helper()
	const heatTol = 1e-2
	h := got.Heat
	if h == nil || len(h.Map) != h.H*h.W || h.H == 0 {
		t.Fatalf("the head's answer carries no heat map: %+v", h)
	}
	var want struct {
		Class string
		Map   [][]float32
		Peak  [2]int
	}
	if err := json.Unmarshal(runJSON(t, graft, "explain", "--model", model, "--head", headFile, "--json", photo), &want); err != nil {
		t.Fatal(err)
	}
	if want.Class != got.Classes[h.Class].Name || len(want.Map) != h.H || len(want.Map[0]) != h.W {
		t.Fatalf("page: class %s, %d×%d map; graft explain: class %s, %d rows", got.Classes[h.Class].Name, h.H, h.W, want.Class, len(want.Map))
	}
	worst := 0.0
	for y, row := range want.Map {
		for x, v := range row {
			worst = max(worst, math.Abs(float64(h.Map[y*h.W+x]-v)))
		}
	}
	if worst > heatTol {
		t.Errorf("the page's heat map differs from graft explain's by up to %.4f (tolerance %g)", worst, heatTol)
	}
	t.Logf("heat map %d×%d for %s, within %.2g of graft explain's", h.H, h.W, want.Class, worst)

	p.do(chromedp.Click(chromedp.ID("show-why")))
	p.poll(`!document.querySelector("#heat-overlay").hidden && document.querySelector(".photo-box.why") !== null`)
	// The overlay's pixel at the centre of the peak cell: 60% opaque (the map is 1 there).
	cx, cy := (2*want.Peak[1]+1)*224/(2*h.W), (2*want.Peak[0]+1)*224/(2*h.H)
	alpha, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](fmt.Sprintf(`(async () => {
		const img = document.querySelector("#heat-overlay"); await img.decode();
		const c = new OffscreenCanvas(224, 224), g = c.getContext("2d"); g.drawImage(img, 0, 0);
		return img.naturalWidth === 224 ? g.getImageData(%d, %d, 1, 1).data[3] : -img.naturalWidth; })()`, cx, cy), chromedp.EvalAwaitPromise))
	if err != nil || alpha < 140 || alpha > 166 {
		t.Errorf("the heat image has alpha %d at the map's peak (%d, %d), want ~153 (%v)", alpha, cx, cy, err)
	}
	// Laid exactly over the photo's square.
	if covered, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(() => { const a = document.querySelector("#heat-overlay").getBoundingClientRect(),
		b = document.querySelector(".photo-box.why img:not(.heat)").getBoundingClientRect();
		return a.width > 50 && Math.abs(a.width - a.height) < 1 && ["x", "y", "width", "height"].every(k => Math.abs(a[k] - b[k]) < 1); })()`)); err != nil || !covered {
		t.Errorf("the heat image does not cover the photo's square (%v)", err)
	}
	p.shot("train-07b-show-why")
	p.setField("why-opacity", "40")
	p.poll(`document.querySelector("#heat-overlay").classList.contains("o-4") && getComputedStyle(document.querySelector("#heat-overlay")).opacity === "0.4"`)
	// The ImageNet top-1's map came too: chosen, it is drawn instead (a new image), and back.
	head := p.evalString(`document.querySelector("#heat-overlay").src`)
	p.do(chromedp.Click(chromedp.ID("why-imagenet")))
	p.poll(`document.querySelector("#why-line").textContent.includes("ImageNet’s classifier found") && document.querySelector("#heat-overlay").src !== "" && document.querySelector("#heat-overlay").src !== ` + strconv.Quote(head))
	p.do(chromedp.Click(chromedp.ID("why-imagenet")))
	p.poll(`document.querySelector("#why-line").textContent.includes("the head found")`)
}

// checkSortFolder: "Sort a folder" with the active head classifies a folder of photos (a
// text file and a hidden file in it) over the pool, shows them in the table, and its CSV is
// graft classify --head --csv's on the same folder: same rows, classes and verdicts, numbers
// within sortProbTol (the features agree to ~1e-5 relative).
func checkSortFolder(t *testing.T, p *page, graft, model, headFile, downloads string, photos []string) {
	t.Helper()
	const sortProbTol = 1e-3
	parent := t.TempDir()
	dir := filepath.Join(parent, "unsorted")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1, trainPerClass, trainPerClass + 1} {
		copyFile(t, photos[i], filepath.Join(dir, filepath.Base(photos[i])))
	}
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("not a photo\n"))
	copyFile(t, photos[2], filepath.Join(dir, ".hidden.png"))
	start := time.Now()
	p.do(chromedp.SetUploadFiles(chromedp.ID("sort-input"), []string{dir}))
	p.poll(`document.querySelector("#sort-line")?.dataset.phase === "done"`)
	if n := p.evalInt(`document.querySelectorAll("#sort-table tbody tr").length`); n != 5 {
		t.Errorf("the sort table has %d rows, want 5 (4 photos and the text file; the hidden file left out)", n)
	}
	p.do(chromedp.Click(chromedp.ID("sort-by-prob")))
	p.poll(`document.querySelector('#sort-table th[aria-sort="descending"] #sort-by-prob') !== null`)
	p.shot("train-07c-sorted")
	p.do(chromedp.Click(chromedp.ID("sort-csv")))
	pageCSV := readCSV(t, waitDownload(t, downloads, "-classified.csv"))
	t.Logf("sorted 5 files in %.1f s", time.Since(start).Seconds())

	nativeCSV := filepath.Join(parent, "native.csv")
	cmd := exec.Command(graft, "classify", "--model", model, "--head", headFile, "--csv", nativeCSV, "unsorted")
	cmd.Dir = parent
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("graft classify --csv: %v\n%s", err, out)
	}
	want := readCSV(t, nativeCSV)
	if len(pageCSV) != len(want) || len(pageCSV) != 5 || !slices.Equal(pageCSV[0], want[0]) {
		t.Fatalf("page CSV:\n%v\ngraft classify --csv:\n%v", pageCSV, want)
	}
	numeric := map[int]bool{2: true, 4: true, 5: true}
	for c := 8; c < len(want[0]); c++ {
		numeric[c] = true
	}
	for r := 1; r < len(want); r++ {
		for c := range want[r] {
			g, w := pageCSV[r][c], want[r][c]
			if numeric[c] && g != "" && w != "" {
				gv, _ := strconv.ParseFloat(g, 64)
				wv, _ := strconv.ParseFloat(w, 64)
				if math.Abs(gv-wv) > sortProbTol*max(1, math.Abs(wv)) {
					t.Errorf("row %d %s: page %s, graft %s", r, want[0][c], g, w)
				}
				continue
			}
			if g != w {
				t.Errorf("row %d %s: page %q, graft %q", r, want[0][c], g, w)
			}
		}
	}
	checkSortCopies(t, p, dir, pageCSV)
}

// checkSortCopies: "Write copies into a folder" into an origin-private folder handed out by a
// stubbed showDirectoryPicker (a headless browser cannot grant the real one) that already holds
// a file where the first copy would go: every classified photo is copied byte for byte into
// its class's folder (from the page's CSV), the file already there is left as it was and the
// copy beside it is named "(2)", nothing else is written.
func checkSortCopies(t *testing.T, p *page, dir string, table [][]string) {
	t.Helper()
	var first string // class/name of the first photo's copy
	want := map[string]int{}
	for _, row := range table[1:] {
		if row[1] == "" || strings.HasPrefix(row[1], "not classified") {
			continue
		}
		st, err := os.Stat(filepath.Join(dir, filepath.Base(row[0])))
		if err != nil {
			continue // the text file: no answer, no copy
		}
		dest := row[1] + "/" + filepath.Base(row[0])
		if first == "" {
			first = dest
			ext := filepath.Ext(dest)
			dest = strings.TrimSuffix(dest, ext) + " (2)" + ext
		}
		want[dest] = int(st.Size())
	}
	want[first] = 3
	parts := strings.SplitN(first, "/", 2)
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(async () => {
		const opfs = await navigator.storage.getDirectory();
		try { await opfs.removeEntry("sorted", { recursive: true }); } catch (e) {}
		const root = await opfs.getDirectoryHandle("sorted", { create: true });
		const w = await (await (await root.getDirectoryHandle(%q, { create: true })).getFileHandle(%q, { create: true })).createWritable();
		await w.write("old"); await w.close();
		window.showDirectoryPicker = async () => root;
	})()`, parts[0], parts[1]), chromedp.EvalAwaitPromise))
	p.do(chromedp.Click(chromedp.ID("sort-write")))
	line := p.pollString(`(document.querySelector("#sort-copy-line")?.textContent ?? "").startsWith("Wrote") ? document.querySelector("#sort-copy-line").textContent : ""`)
	tree, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(async () => {
		const root = await (await navigator.storage.getDirectory()).getDirectoryHandle("sorted"); const out = {};
		async function walk(dir, prefix) { for await (const [n, h] of dir.entries()) {
			if (h.kind === "directory") await walk(h, prefix + n + "/"); else out[prefix + n] = (await h.getFile()).size; } }
		await walk(root, ""); return JSON.stringify(out); })()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]int
	if err := json.Unmarshal([]byte(tree), &got); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("after %q the chosen folder holds %v, want %v", line, got, want)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// bench asks the model worker to time head training on synthetic features.
func (p *page) bench(b wire.Bench) wire.BenchResult {
	p.t.Helper()
	msg := wire.Encode(wire.Envelope{Kind: wire.KindBench, Bench: &b})
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.__graftMark("bench"); graftBoot.worker.postMessage({json: %q})`, msg)))
	raw, err := chromedp.Run(p.ctx, chromedp.Poll[string](lastJS(wire.KindBenchResult, "bench"), chromedp.WithPollingTimeout(10*time.Minute),
		chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		p.t.Fatalf("bench %+v: %v", b, err)
	}
	env, err := wire.Decode(raw)
	if err != nil || env.BenchResult.Ms < 0 {
		p.t.Fatalf("bench: %s", raw)
	}
	return *env.BenchResult
}

// ---- privacy ----

// requestLog records every request the page and its dedicated workers start (DevTools protocol).
type requestLog struct {
	mu   sync.Mutex
	reqs []*network.Request
}

func recordRequests(t *testing.T, ctx context.Context) *requestLog {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	l := &requestLog{}
	events := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			l.mu.Lock()
			l.reqs = append(l.reqs, ev.Request)
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *requestLog) take() []*network.Request {
	time.Sleep(200 * time.Millisecond) // events in flight
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reqs
	l.reqs = nil
	return out
}

// checkNoPhotoLeft: every request seen by the browser and by the server is a GET without a
// body for one of the app's own files (or a blob: URL of the page, which never leaves it);
// /head.json, the baked head's description, counts as one even where the build has none (404).
func checkNoPhotoLeft(t *testing.T, served []served, seen []*network.Request, base, dist string) {
	t.Helper()
	origin := strings.TrimSuffix(base, "/")
	own := func(path string) bool {
		name := strings.TrimPrefix(path, "/")
		switch name {
		case "":
			name = "index.html"
		case "head.json": // the build's baked head, asked for at start whether the build has one or not
			return true
		}
		st, err := os.Stat(filepath.Join(dist, filepath.FromSlash(name)))
		return err == nil && st.Mode().IsRegular()
	}
	for _, r := range seen {
		switch {
		case strings.HasPrefix(r.URL, "blob:"+origin+"/"), strings.HasPrefix(r.URL, "data:"):
			continue
		case r.Method != "GET" || r.HasPostData || len(r.PostDataEntries) > 0:
			t.Errorf("the page sent %s %s with a body=%v: nothing may be sent while training", r.Method, r.URL, r.HasPostData)
		case !strings.HasPrefix(r.URL, origin+"/"):
			t.Errorf("the page requested %s, outside its own origin", r.URL)
		default:
			u, err := url.Parse(r.URL)
			if err != nil || !own(u.Path) {
				t.Errorf("the page requested %s, which is not one of the app's files", r.URL)
			}
		}
	}
	for _, s := range served {
		if s.Method != "GET" || s.BodyBytes != 0 || !own(s.Path) {
			t.Errorf("the server got %s %s with %d body bytes (status %d): want only GETs of the app's files", s.Method, s.Path, s.BodyBytes, s.Status)
		}
	}
	t.Logf("privacy: %d requests seen by the browser, %d reached the server, all GETs of the app's files", len(seen), len(served))
}

// browserTestEnv is what a browser test needs, or skips it without GRAFT_E2E_DIST: the built
// dist/, chromium, the repository root, testout/e2e (made) and ../shared.
func browserTestEnv(t *testing.T) (dist, chromium, root, out, shared string) {
	t.Helper()
	if dist = os.Getenv("GRAFT_E2E_DIST"); dist == "" {
		t.Skip("needs a built dist/ and Chromium: run ./build.sh web-e2e (./build.sh test does), which sets GRAFT_E2E_DIST")
	}
	chromium, root = findChromium(t), repoRoot(t)
	out = filepath.Join(root, "testout", "e2e")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return dist, chromium, root, out, sharedDir(t, root)
}

// findChromium is chromium on PATH (build.sh web_e2e installs it).
func findChromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("GRAFT_E2E_DIST is set but chromium is not on PATH (build.sh web_e2e installs it: apt-get install -y chromium)")
	}
	return path
}
