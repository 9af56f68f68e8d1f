// Check labels in the browser: after a run on 6 + 6 photos plus a cat re-encoded
// into dogs/ (other bytes: not a listing duplicate), Check labels reports the copy beside its
// original (the same features: a duplicate across classes) without extracting again; Exclude
// makes a change the page counts, the next training trains on one photo fewer, Undo takes it back.
package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/web/wire"
)

func TestCheckLabelsInBrowser(t *testing.T) {
	dist, chromium, _, out, shared := browserTestEnv(t)
	data := filepath.Join(t.TempDir(), "pets")
	photos := makeTrainFolder(t, filepath.Join(shared, "data", "cats-vs-dogs", "train"), data, 6)
	f, err := os.Open(photos[1])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	(&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img)
	writeFile(t, filepath.Join(data, "dogs", "zz-relabel.png"), b.Bytes())
	original := "cats/" + filepath.Base(photos[1])

	_, base := startServer(t, dist)
	ctx := newBrowser(t, chromium, out)
	p := &page{t: t, ctx: ctx, out: out}
	p.do(chromedp.Navigate(base))
	p.waitModel()
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
	p.setField("set-epochs", "4")
	p.clickTrain()
	first := p.waitTrained()
	n := first.TrainImages + first.ValImages
	if n != 13 {
		t.Fatalf("first run on %d photos, want 13", n)
	}

	p.mark("audit")
	p.do(chromedp.Click(chromedp.ID("check-labels")))
	raw := p.pollString(lastJS(wire.KindAudited, "audit"))
	env, err := wire.Decode(raw)
	if err != nil || env.Audited.Error != "" || env.Audited.Examples != 13 || env.Audited.Folds != 5 {
		t.Fatalf("audited: %s", raw)
	}
	p.poll(`document.querySelector("#check-summary") !== null`)
	p.shot("labels-01-suspects")
	sel := `#suspect-gallery li[data-kind="duplicate"][data-path="dogs/zz-relabel.png"], #suspect-gallery li[data-kind="duplicate"][data-path="` + original + `"]`
	if p.evalInt(`document.querySelectorAll('`+sel+`').length`) == 0 {
		t.Fatalf("the re-encoded copy is not reported as a duplicate across classes: %s", raw)
	}
	if p.evalInt(`document.querySelector('`+sel+`').querySelectorAll("img").length`) != 2 {
		t.Error("a duplicate is not shown beside its other photo")
	}
	t.Logf("audit: %d findings (%d mislabels, %d duplicates) in %.0f ms", len(env.Audited.Findings), env.Audited.Mislabels, env.Audited.Duplicates, env.Audited.Ms)

	// Exclude it: one change, listed; the next training trains on one photo fewer.
	p.do(chromedp.Evaluate[chromedp.Void](`Array.from(document.querySelector('` + sel + `').querySelectorAll("button")).find(b => b.textContent === "Exclude").click()`))
	p.poll(`document.querySelector("#check-changes")?.dataset.changes === "1"`)
	if line := p.pollString(`document.querySelector("#changes-line").textContent`); line != "1 change will apply to the next training (nothing is written to the folder unless you ask)." {
		t.Errorf("changes line %q", line)
	}
	p.shot("labels-02-excluded")
	p.clickTrain()
	second := p.waitTrained()
	if got := second.TrainImages + second.ValImages; got != n-1 {
		t.Errorf("after excluding a photo the run used %d photos, want %d", got, n-1)
	}
	p.do(chromedp.Click(chromedp.ID("undo-change")))
	p.poll(`document.querySelector("#check-changes") === null`)
	p.clickTrain()
	if third := p.waitTrained(); third.TrainImages+third.ValImages != n {
		t.Errorf("after Undo the run used %d photos, want %d", third.TrainImages+third.ValImages, n)
	}
	checkWriteChanges(t, p, data, sel)
}

// checkWriteChanges: Exclude the duplicate again and write the change into the folder — a copy
// of the listed folder in the origin private file system, handed out by a stubbed
// showDirectoryPicker (a headless browser cannot grant the real picker): the photo is then in
// _excluded/<class>/ with its bytes, no longer where it was, and the change has left the list.
func checkWriteChanges(t *testing.T, p *page, data, sel string) {
	t.Helper()
	files := map[string]string{}
	filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(data, path)
			files[filepath.ToSlash(rel)] = base64.StdEncoding.EncodeToString(b)
		}
		return nil
	})
	js, _ := json.Marshal(files)
	p.do(chromedp.Evaluate[chromedp.Void](`(async (files) => {
		const opfs = await navigator.storage.getDirectory();
		try { await opfs.removeEntry("pets", { recursive: true }); } catch (e) {}
		const root = await opfs.getDirectoryHandle("pets", { create: true });
		for (const [path, b64] of Object.entries(files)) {
			const parts = path.split("/"); let dir = root;
			for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true });
			const w = await (await dir.getFileHandle(parts[parts.length - 1], { create: true })).createWritable();
			await w.write(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))); await w.close();
		}
		window.showDirectoryPicker = async () => root;
		window.graftOPFSReady = true;
	})(`+string(js)+`)`, chromedp.EvalAwaitPromise))
	p.poll(`window.graftOPFSReady === true`)
	path := p.evalString(`document.querySelector('` + sel + `').dataset.path`)
	p.do(chromedp.Evaluate[chromedp.Void](`Array.from(document.querySelector('` + sel + `').querySelectorAll("button")).find(b => b.textContent === "Exclude").click()`))
	p.poll(`document.querySelector("#write-changes") !== null`)
	p.do(chromedp.Click(chromedp.ID("write-changes")))
	line := p.pollString(`(document.querySelector("#write-line")?.textContent ?? "").startsWith("Wrote") || (document.querySelector("#write-line")?.textContent ?? "").startsWith("Nothing") ? document.querySelector("#write-line").textContent : ""`)
	if !strings.HasPrefix(line, "Wrote 1 change into the folder (0 moved to their class, 1 into _excluded/)") {
		t.Fatalf("write line %q", line)
	}
	class, name, _ := strings.Cut(path, "/")
	tree, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(async () => {
		const root = await (await navigator.storage.getDirectory()).getDirectoryHandle("pets"); const out = {};
		async function walk(dir, prefix) { for await (const [n, h] of dir.entries()) {
			if (h.kind === "directory") await walk(h, prefix + n + "/"); else out[prefix + n] = (await h.getFile()).size; } }
		await walk(root, ""); return JSON.stringify(out); })()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var sizes map[string]int
	if err := json.Unmarshal([]byte(tree), &sizes); err != nil {
		t.Fatal(err)
	}
	orig, _ := base64.StdEncoding.DecodeString(files[path])
	if _, still := sizes[path]; still || sizes["_excluded/"+class+"/"+name] != len(orig) || len(sizes) != len(files) {
		t.Errorf("after writing the exclusion of %s the folder holds %v", path, sizes)
	}
	if p.evalInt(`document.querySelectorAll("#check-changes").length`) != 0 {
		t.Error("the written change is still listed as one to apply")
	}
	p.shot("labels-03-written")
}
