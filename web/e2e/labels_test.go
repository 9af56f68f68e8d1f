// Check labels in the browser (issue 18): after a run on 6 + 6 photos plus a cat re-encoded
// into dogs/ (other bytes: not a listing duplicate), Check labels reports the copy beside its
// original (the same features: a duplicate across classes) without extracting again; Exclude
// makes a change the page counts, the next training trains on one photo fewer, Undo takes it back.
package e2e

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/web/wire"
)

func TestCheckLabelsInBrowser(t *testing.T) {
	dist := os.Getenv("GRAFT_E2E_DIST")
	if dist == "" {
		t.Skip("needs a built dist/ and Chromium: run ./build.sh web-e2e (./build.sh test does), which sets GRAFT_E2E_DIST")
	}
	chromium := findChromium(t)
	root := repoRoot(t)
	out := filepath.Join(root, "testout", "e2e")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	shared := sharedDir(t, root)
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
	if line := p.pollString(`document.querySelector("#changes-line").textContent`); line != "1 change will apply to the next training (nothing is written to the folder)." {
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
}
