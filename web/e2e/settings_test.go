// The training settings a user expects, in the browser: the feature layer (stage 5 offered
// and said to be synthetic on the offline model), dropout, learning rate, epochs, batch size and
// validation share reach the trained head file; the result gives the validation accuracy with
// its 95% interval; the new fields fit a 375 px screen; the feature cache's line counts each
// run's entries as the run ends, and entries of an older model are evicted when the page loads.
package e2e

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/app/confidence"
	"github.com/graftml/graft/web/wire"
)

// cacheLine is the training panel's line about the on-disk caches.
const cacheLine = `document.querySelector("#cache-line").textContent`

func TestSettingsReachTraining(t *testing.T) {
	p, data, shared := newUserPage(t)
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(p.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	// The offline model's stage 5 is a synthetic fill: offered, and labelled so.
	options := p.evalString(`[...document.querySelectorAll("#set-layer option")].map(o => o.value + "=" + o.textContent).join("\n")`)
	if !strings.Contains(options, "=Default: conv4_block6_out") || !strings.Contains(options, "conv5_block3_out=conv5 / avg_pool: synthetic") {
		t.Errorf("the feature layer offers\n%s\nwant the default (conv4_block6_out), stage 4, and stage 5 said to be synthetic", options)
	}
	if hint := p.evalString(`document.querySelector("#layer-hint").textContent`); !strings.Contains(hint, "synthetic weights") {
		t.Errorf("below the layer select: %q, want it to say stage 5's weights are synthetic", hint)
	}
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
	p.do(chromedp.SetValue(chromedp.ID("set-layer"), "conv5_block3_out"))
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("set-layer").dispatchEvent(new Event("change", {bubbles: true}))`))
	for id, v := range map[string]string{"set-dropout": "0.2", "set-lr": "0.003", "set-epochs": "4", "set-batch": "5", "set-val": "0.5", "set-patience": "0"} {
		p.setField(id, v)
	}
	p.clickTrain()
	r := p.waitTrained()
	if r.Head.Layer != "conv5_block3_out" || len(r.History) != 4 || r.ValImages != newUserPerClass {
		t.Errorf("trained on layer %s, %d epochs, %d validation photos; want conv5_block3_out, 4, %d", r.Head.Layer, len(r.History), r.ValImages, newUserPerClass)
	}
	p.do(chromedp.Click(chromedp.ID("export-trained")))
	m := parseHead(t, waitDownload(t, downloads, ".grafthead"))
	c := m.Training
	if m.Base.Layer != "conv5_block3_out" || m.Base.Features != 2048 || c.Dropout != 0.2 || c.LearningRate != 0.003 || c.Epochs != 4 ||
		c.BatchSize != 5 || c.ValSplit != 0.5 || c.Patience != 0 {
		t.Errorf("the head file says layer %s (%d features), dropout %g, lr %g, %d epochs, batch %d, validation %g, patience %d; want the form's",
			m.Base.Layer, m.Base.Features, c.Dropout, c.LearningRate, c.Epochs, c.BatchSize, c.ValSplit, c.Patience)
	}

	// The accuracy with its interval: 6 validation photos can say little.
	v := r.Validation
	right := 0
	for i := range v.Confusion {
		right += v.Confusion[i][i]
	}
	lo, hi := confidence.Wilson(right, v.Examples, confidence.Z95)
	want := fmt.Sprintf("(95%% interval %.0f–%.0f%%)", math.Floor(100*lo), math.Ceil(100*hi))
	if got := p.evalString(`document.querySelector("#val-accuracy").textContent`); !strings.Contains(got, want) {
		t.Errorf("the result says %q, want it to give %s", got, want)
	}

	// A head on the other layer classifies photos here.
	photo := filepath.Join(t.TempDir(), "cat.png")
	cats := filepath.Join(shared, "data", "cats-vs-dogs", "validation", "cats")
	makePNG(t, filepath.Join(cats, firstJPEG(t, cats)), photo)
	if res := p.classify(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{photo})) }); res.Head == nil {
		t.Errorf("a photo classified with the conv5_block3_out head has no head answer: %+v", res)
	}

	// The dynamic strategy fine-tunes the blocks ending at the chosen layer: stage 5 has 3.
	p.setField("set-strategy", "dynamic")
	if max, label := p.evalString(`document.getElementById("set-unfreeze").max`), p.evalString(`document.querySelector("label[for=set-unfreeze]").textContent`); max != "3" || !strings.Contains(label, "ending at conv5_block3_out") {
		t.Errorf("with conv5_block3_out the blocks field allows %s (%q), want 3 ending there", max, label)
	}
	p.setField("set-ft-epochs", "1")
	p.clickTrain()
	if d := p.waitTrained(); d.Strategy != "dynamic" || d.Inputs == nil || d.Inputs.Layer != "conv5_block2_out" {
		t.Errorf("the dynamic run on conv5_block3_out: strategy %q, block inputs %+v; want conv5_block3 fine-tuned from conv5_block2_out", d.Strategy, d.Inputs)
	}
	p.setField("set-strategy", "conservative")

	// At 375 px the settings fit: no field reaches past the screen's edge, nothing scrolls sideways.
	p.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("set-layer").scrollIntoView()`))
	p.shot("settings-phone")
	over := p.evalString(`[...document.querySelectorAll("#train-settings select, #train-settings input, #train-settings label")]
		.filter(e => e.getClientRects().length && (e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 || e.getBoundingClientRect().left < -0.5))
		.map(e => e.id || e.htmlFor || e.textContent.trim().slice(0, 30)).join(", ")`)
	if wide := p.evalInt(`document.documentElement.scrollWidth - document.documentElement.clientWidth`); over != "" || wide > 0 {
		t.Errorf("at 375 px the settings overflow: %q past the edge, the page %d px wider than the screen", over, wide)
	}
	// Each layer choice reads whole in its select (its text's width, in the select's font, within
	// the box less the padding and the arrow's room).
	cut := p.evalString(`(() => {
		const s = document.getElementById("set-layer"), g = document.createElement("canvas").getContext("2d"), cs = getComputedStyle(s);
		g.font = cs.font;
		const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 24;
		return [...s.options].filter(o => g.measureText(o.text).width > room).map(o => o.text).join(", ");
	})()`)
	if cut != "" {
		t.Errorf("at 375 px the feature layer select cuts %q", cut)
	}
}

func TestCacheCountAfterRun(t *testing.T) {
	p, data, _ := newUserPage(t)
	// Once the model is stored, the site's storage the line reports counts it (read only at
	// manifest time, it did not).
	env, err := wire.Decode(p.evalString(lastJS(wire.KindStatus, "")))
	if err != nil || env.Status == nil || env.Status.BytesTotal == 0 {
		t.Fatalf("no model size in the last status (%v)", err)
	}
	p.poll(fmt.Sprintf(`(r => !!r && JSON.parse(r).cache_stats.usage_bytes >= %d)(%s)`, env.Status.BytesTotal, lastJS(wire.KindCacheStats, "")))
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
	p.setField("set-epochs", "2")
	run := func(want string) {
		t.Helper()
		// What the line says when the result first shows (a MutationObserver runs before the
		// page can take its next message): it must be this run's count already.
		p.do(chromedp.Evaluate[chromedp.Void](`(() => {
			const before = document.querySelector("#train-result")?.dataset.run || "";
			window.graftTestCacheAtResult = "";
			const o = new MutationObserver(() => {
				const r = document.querySelector("#train-result");
				if (r && r.dataset.run !== before) { window.graftTestCacheAtResult = document.querySelector("#cache-line").textContent; o.disconnect(); }
			});
			o.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
		})()`))
		p.clickTrain()
		p.waitTrained()
		if got := p.pollString(`window.graftTestCacheAtResult`); !strings.Contains(got, want) {
			t.Errorf("when the result shows, the cache line says %q, want %q", got, want)
		}
		if got := p.evalString(cacheLine); !strings.Contains(got, want) {
			t.Errorf("after the run the cache line says %q, want %q", got, want)
		}
	}
	photos := 2 * newUserPerClass
	run(fmt.Sprintf("features %d entries", photos))
	p.do(chromedp.Click(chromedp.ID("set-flip"))) // mirrored views: as many entries more
	run(fmt.Sprintf("features %d entries", 2*photos))
	p.setField("set-strategy", "dynamic")
	p.setField("set-ft-epochs", "1")
	run(fmt.Sprintf("block inputs %d entries", 2*photos))

	p.do(chromedp.Click(chromedp.ID("clear-features")))
	if got := p.pollString(`(t => t.startsWith("Removed") ? t : "")(document.querySelector("#cache-message").textContent)`); !strings.HasPrefix(got, fmt.Sprintf("Removed %d cached features", 2*photos)) {
		t.Errorf("Clear cached features says %q", got)
	}
	p.poll(cacheLine + `.includes("features 0 entries")`)
}

// TestCacheEvictsOlderModel: a feature-cache entry of another model id (an older model version)
// is deleted when the page loads its model; this model's entries stay.
func TestCacheEvictsOlderModel(t *testing.T) {
	p, _, _ := newUserPage(t)
	env, err := wire.Decode(p.evalString(lastJS(wire.KindStatus, "")))
	if err != nil || env.Status == nil || env.Status.ModelID == "" {
		t.Fatalf("no model id in the last status (%v)", err)
	}
	key := func(model string) string {
		return "graft-features-v1|sha256:" + strings.Repeat("ab", 32) + "|model:" + model + "|layer:conv4_block6_out|view:orig|resize:crop"
	}
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(async () => {
		const db = await new Promise((ok, bad) => { const r = indexedDB.open("graft"); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
		await new Promise((ok, bad) => { const tx = db.transaction("features", "readwrite"), s = tx.objectStore("features");
			s.put(new Float32Array(1024), %q); s.put(new Float32Array(1024), %q); tx.oncomplete = ok; tx.onerror = () => bad(tx.error); });
		db.close();
	})()`, key("an-older-model"), key(env.Status.ModelID)), chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.Reload())
	p.waitModel()
	if got := p.pollString(`(t => t.startsWith("Removed") ? t : "")(document.querySelector("#cache-message").textContent)`); got != "Removed 1 cache entries of other model versions: 4 KiB freed." {
		t.Errorf("after the reload the cache says %q", got)
	}
	if got := p.evalString(cacheLine); !strings.Contains(got, "features 1 entries (4 KiB)") {
		t.Errorf("after evicting the older model's entry the cache line says %q, want this model's entry kept", got)
	}
}
