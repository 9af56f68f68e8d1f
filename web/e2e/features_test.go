// features_test.go — the browser's pooled features of one photo, read the way training reads
// them: an extraction worker of the page (graftBoot.startWorker, as web/app's pool starts them)
// extracts a photo into the feature cache with the settings of a run, and the test reads the vector
// back from IndexedDB (web/static/idb.mjs: database "graft", store "features", keys
// app/dataset Key.String()). No page message carries features.
package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/web/engine"
	"github.com/graftml/graft/web/wire"
)

// featureVectorLen is conv4_block6_out's channel count.
const featureVectorLen = 1024

// extractFeaturesJS starts (once per document) an extraction worker, sends it a run message
// (the settings: which layer and views it derives itself) and one extract message (it waits
// for its model first) with the photo's File beside it, waits for the answer and reads
// the cached vector under key. %[1]q: the run message; %[2]s: the extract message; %[3]q: the
// cache key; %[4]s: the photo as a File (fileJS).
const extractFeaturesJS = `(async () => {
  const w = window.__e2eExtractor ??= graftBoot.startWorker("extract", "e2e-features");
  const next = (pred) => new Promise((resolve) => {
    const on = (e) => {
      if (typeof e.data !== "string") return;
      const m = JSON.parse(e.data);
      if (pred(m)) { w.removeEventListener("message", on); resolve(m); }
    };
    w.addEventListener("message", on);
  });
  w.postMessage({ json: %[1]q });
  const msg = %[2]s;
  const done = next((m) => m.kind === "extracted" && m.extracted.id === msg.extract.id);
  w.postMessage({ json: JSON.stringify(msg), blob: %[4]s });
  const ex = await done;
  if (ex.extracted.error || ex.extracted.undecodable) return "extraction: " + (ex.extracted.error || ex.extracted.undecodable);
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open("graft");
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const vec = await new Promise((resolve, reject) => {
    const r = db.transaction("features", "readonly").objectStore("features").get(%[3]q);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  db.close();
  return vec && vec.f instanceof Float32Array ? JSON.stringify(Array.from(vec.f)) : "no cached vector under the key";
})()`

// browserFeatures returns the browser's pooled layer features of file in resize mode, from the
// model status's model.
func (p *page) browserFeatures(status wire.Status, file, layer, mode string) []float32 {
	p.t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		p.t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	key := engine.FeatureKey(head.Base{ModelID: status.ModelID, Layer: layer, Features: featureVectorLen, Resize: mode}, hash, dataset.ViewOriginal)
	p.extractID++
	settings := wire.DefaultSettings()
	settings.Resize, settings.Flip = mode, false
	run := wire.Encode(wire.Envelope{Kind: wire.KindRun, Run: &wire.Run{Run: -p.extractID, Settings: settings}})
	msg := wire.Encode(wire.Envelope{Kind: wire.KindExtract, Extract: &wire.Extract{ID: p.extractID, Run: -p.extractID, Path: file, Type: mimeOf(file),
		Hash: hash, Bytes: int64(len(data))}})
	raw, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](fmt.Sprintf(extractFeaturesJS, run, msg, key, fileJS(filepath.Base(file), mimeOf(file), data)), chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("extracting %s in the browser: %v", file, err)
	}
	var vec []float32
	if err := json.Unmarshal([]byte(raw), &vec); err != nil {
		p.t.Fatalf("extracting %s in the browser: %s", file, raw)
	}
	return vec
}

// mimeOf is the type a browser gives a picked file of this name.
func mimeOf(file string) string {
	if strings.HasSuffix(strings.ToLower(file), ".png") {
		return "image/png"
	}
	return "image/jpeg"
}
