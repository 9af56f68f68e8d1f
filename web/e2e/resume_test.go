// Work that survives the tab and storage that refuses: a reload during extraction loses at
// most the photos in flight (IndexedDB keeps each photo's features as it is extracted) and the
// next run on the same folder says it continues; a feature entry cut short or written without
// its completion checksum is never read back (its photo is extracted again); a browser whose
// IndexedDB is full and whose Cache API is refused (a private window) still trains and
// classifies, and says what it could not keep (the model, the features, the draft head). Faults are injected by serving idb.mjs — which
// every worker imports before anything else runs there — with a prelude that makes
// IDBObjectStore's put and add throw QuotaExceededError and caches.open reject.
package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/server/handler"
	"github.com/graftml/graft/web/wire"
)

// resumePerClass photos of each class: enough for a reload to land mid-extraction.
const resumePerClass = 20

func TestResumeAfterReloadInBrowser(t *testing.T) {
	dist, chromium, _, out, shared := browserTestEnv(t)
	data := filepath.Join(t.TempDir(), "pets")
	makeTrainFolder(t, filepath.Join(shared, "data", "cats-vs-dogs", "train"), data, resumePerClass)
	_, base := startServer(t, dist)
	p := &page{t: t, ctx: newBrowser(t, chromium, out), out: out}
	p.do(chromedp.Navigate(base))
	p.waitModel()
	pick := func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) }
	p.waitListing(pick)
	p.setField("set-epochs", "3")
	p.clickTrain()
	done := atoi(p.pollString(`(n => n >= 10 ? String(n) : "")(+(document.querySelector("#extract-progress")?.dataset.done || 0))`))
	total := p.evalInt(`+document.querySelector("#extract-progress").dataset.total`)
	p.do(chromedp.Reload()) // the tab goes: what the workers had in flight is lost
	p.waitModel()
	if done >= total {
		t.Fatalf("the extraction had finished (%d of %d) before the reload: the test shows nothing", done, total)
	}

	p.waitListing(pick)
	p.mark("missing")
	p.clickTrain()
	line := p.pollString(`document.querySelector("#resume-line")?.textContent || ""`)
	m := regexp.MustCompile(`^Continuing: (\d+) of (\d+) photos were extracted before; extracting the other (\d+)\.$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("after the reload the run says %q, want that it continues", line)
	}
	before, all, again := atoi(m[1]), atoi(m[2]), atoi(m[3])
	// Every photo counted done was stored before it was counted; those in flight may be too.
	if all != total || before < done || again > total-done || before+again != total {
		t.Errorf("%q: with %d of %d done before the reload, want at least %d kept and at most %d extracted again", line, done, total, done, total-done)
	}
	p.waitTrained()
	if n := p.evalInt(missingJS); n != again {
		t.Errorf("the run extracted %d photos, its line says %d", n, again)
	}
	t.Logf("reloaded at %d of %d done; %s", done, total, line)
	p.shot("resume-after-reload")
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func TestHalfWrittenFeaturesInBrowser(t *testing.T) {
	p, data, _ := newUserPage(t)
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
	p.setField("set-epochs", "3")
	p.clickTrain()
	p.waitTrained()
	// Three photos' entries damaged as a write stopped part-way would leave them: one view's
	// bytes cut, one stored without its checksum, one as a bare vector (no record at all).
	damaged, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`(async () => {
		const db = await new Promise((ok, bad) => { const r = indexedDB.open("graft"); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
		const all = await new Promise((ok, bad) => { const tx = db.transaction("features", "readonly"), s = tx.objectStore("features");
			const ks = s.getAllKeys(), vs = s.getAll(); tx.oncomplete = () => ok(ks.result.map((k, i) => [k, vs.result[i]])); tx.onerror = () => bad(tx.error); });
		const seen = new Set(), pick = [];
		for (const [k, v] of all) { const c = k.split("|").find(f => f.startsWith("sha256:")); if (!seen.has(c) && pick.length < 3) { seen.add(c); pick.push([k, v]); } }
		await new Promise((ok, bad) => { const tx = db.transaction("features", "readwrite"), s = tx.objectStore("features");
			s.put({ f: pick[0][1].f.slice(0, pick[0][1].f.length / 2), sum: pick[0][1].sum }, pick[0][0]);
			s.put({ f: pick[1][1].f }, pick[1][0]);
			s.put(pick[2][1].f, pick[2][0]);
			tx.oncomplete = ok; tx.onerror = () => bad(tx.error); });
		db.close();
		return pick.length;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || damaged != 3 {
		t.Fatalf("damaged %d photos' entries, want 3 (%v)", damaged, err)
	}
	p.mark("missing")
	p.clickTrain()
	p.waitTrained()
	if n := p.evalInt(missingJS); n != 3 {
		t.Errorf("with 3 photos' entries half-written the run extracted %d photos, want exactly those 3", n)
	}
	if got := p.evalString(`document.querySelector("#result-cached")?.textContent || ""`); !strings.HasPrefix(got, fmt.Sprintf("%d of %d", 2*newUserPerClass-3, 2*newUserPerClass)) {
		t.Errorf("the result says %q", got)
	}
}

// refusingPrelude is put before idb.mjs: this browser's storage is full and its Cache API is
// refused, as in a private window.
const refusingPrelude = `(() => {
  const full = () => new DOMException("The quota has been exceeded.", "QuotaExceededError");
  for (const m of ["put", "add"]) IDBObjectStore.prototype[m] = function () { throw full(); };
  if (self.caches) self.caches.open = () => Promise.reject(new DOMException("The operation is insecure.", "SecurityError"));
})();
`

// startRefusingServer serves dist with refusingPrelude in front of idb.mjs.
func startRefusingServer(t *testing.T, dist string) string {
	t.Helper()
	root, err := os.OpenRoot(dist)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	idb, err := os.ReadFile(filepath.Join(dist, "idb.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	site := handler.New(root.FS(), handler.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/idb.mjs" {
			site.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(append([]byte(refusingPrelude), idb...))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

func TestStorageRefusedInBrowser(t *testing.T) {
	dist, chromium, _, out, shared := browserTestEnv(t)
	data := filepath.Join(t.TempDir(), "pets")
	makeTrainFolder(t, filepath.Join(shared, "data", "cats-vs-dogs", "train"), data, newUserPerClass)
	base := startRefusingServer(t, dist)
	p := &page{t: t, ctx: newBrowser(t, chromium, out), out: out}
	p.do(chromedp.Navigate(base + "?workers=2")) // a pool worker's features go through the page
	p.waitModel()
	if got := p.pollString(`document.querySelector("#model-cache")?.textContent || ""`); !strings.Contains(got, "would not keep the model") {
		t.Errorf("with the Cache API refused the model panel says %q", got)
	}
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
	p.setField("set-epochs", "3")
	p.clickTrain()
	tr := p.waitTrained()
	n := 2 * newUserPerClass
	if tr.TrainImages+tr.ValImages != n {
		t.Errorf("trained on %d + %d photos, want all %d", tr.TrainImages, tr.ValImages, n)
	}
	want := fmt.Sprintf("This browser refused to keep the features of %d photos (storage full)", n)
	if got := p.evalString(`document.querySelector("#not-kept-line")?.textContent || ""`); !strings.HasPrefix(got, want) {
		t.Errorf("the page says %q, want %q…", got, want)
	}
	if got := p.pollString(`document.querySelector("#draft-error")?.textContent || ""`); !strings.Contains(got, "refused to keep a draft of the head (storage full)") {
		t.Errorf("with storage full the heads panel says %q of the draft", got)
	}
	p.shot("storage-refused")
	// The page goes on: a photo classifies with the head just trained.
	photo := filepath.Join(t.TempDir(), "cat.png")
	cats := filepath.Join(shared, "data", "cats-vs-dogs", "validation", "cats")
	makePNG(t, filepath.Join(cats, firstJPEG(t, cats)), photo)
	res := p.classify(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{photo})) })
	if res.Head == nil {
		t.Error("with storage refused a photo gets no answer of the head just trained")
	}
	if env, err := wire.Decode(p.evalString(lastJS(wire.KindStatus, ""))); err != nil || env.Status.Cached {
		t.Errorf("the status says the model is cached (%v)", err)
	}
}
