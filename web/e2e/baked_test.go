// The page of a build with a baked head: dist/ with heads/<sha256[:16]>.grafthead
// and head.json (as server/internal/bake writes them, for a head `graft train` made on dist's
// model) opens with the head active: its title and heading, a dropped photo's first visible
// answer the head's class, ImageNet's top-5 in a collapsed details element; a reload keeps
// one saved copy of the head; Export deploy bundle downloads app.DeployBundle's zip.
package e2e

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/app"
)

func TestBakedHeadInBrowser(t *testing.T) {
	dist, chromium, root, out, shared := browserTestEnv(t)
	data := filepath.Join(t.TempDir(), "pets")
	photos := makeTrainFolder(t, filepath.Join(shared, "data", "cats-vs-dogs", "train"), data, 6)
	graft := buildGraft(t, root, out)
	headFile := filepath.Join(out, "baked.grafthead")
	runJSON(t, graft, "train", "--model", filepath.Join(dist, "model"), "--data", data, "--seed", "7", "--epochs", "4", "--cache", "off", "--out", headFile)
	headData, err := os.ReadFile(headFile)
	if err != nil {
		t.Fatal(err)
	}
	site := bakedDist(t, dist, filepath.Join(out, "baked-dist"), headData, "Pets")
	downloads := t.TempDir()

	_, base := startServer(t, site)
	ctx := newBrowser(t, chromium, out)
	p := &page{t: t, ctx: ctx, out: out}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.Navigate(base))
	p.waitModel()
	// The head is active once the worker says so; the page is the head's.
	p.poll(`document.querySelector("#saved-heads li.active")?.dataset.name === "Pets"`)
	title := p.pollString(`document.title`)
	heading := p.pollString(`document.querySelector("#page-heading").textContent`)
	if title != "Pets: Cats or dogs? — classify your photo" || !strings.HasPrefix(heading, "Cats or dogs? — classify your photo") {
		t.Errorf("title %q, heading %q", title, heading)
	}

	res := p.classify(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{photos[0]})) })
	if res.Head == nil || res.Head.Name != "Pets" {
		t.Fatalf("the baked head did not classify the photo: %+v", res.Head)
	}
	best := res.Head.Classes[res.Head.Best].Name
	first := p.pollString(`(() => { const r = document.querySelector("#result-h").parentElement;
		const el = Array.from(r.querySelectorAll("h3, li, p.head-verdict")).find(e => e.checkVisibility() && e.textContent.trim() !== "");
		return el ? el.textContent.trim() : ""; })()`)
	if !strings.HasPrefix(first, best+" (") && !(res.Head.OpenSet != nil && res.Head.OpenSet.Unknown && first == "None of these") {
		t.Errorf("the first visible answer is %q, want the head's %q", first, best)
	}
	if open := p.evalInt(`document.querySelector("#imagenet-details").open ? 1 : 0`); open != 0 {
		t.Error("ImageNet's top-5 is not collapsed")
	}
	if v := p.evalInt(`document.querySelector("#top5").checkVisibility() ? 1 : 0`); v != 0 {
		t.Error("ImageNet's top-5 is visible before the click")
	}
	p.do(chromedp.Click(chromedp.CSS("#imagenet-details summary")))
	p.poll(`document.querySelector("#top5").checkVisibility()`)
	p.shot("baked-01-classified")
	t.Logf("first visible answer %q (head best %s); ImageNet top-1 %s", first, best, res.Top5[0].Name)

	// Export deploy bundle: the zip of app.DeployBundle.
	p.do(chromedp.Click(chromedp.CSS("#saved-heads li.active button.bundle")))
	zipPath := waitDownload(t, downloads, ".zip")
	checkBundle(t, zipPath, headData)

	// A reload: the same head, still one saved copy, active again.
	p.do(chromedp.Navigate(base))
	p.waitModel()
	p.poll(`document.querySelector("#saved-heads li.active")?.dataset.name === "Pets"`)
	if n := p.evalInt(`document.querySelectorAll("#saved-heads li").length`); n != 1 {
		t.Errorf("after a reload %d saved heads, want the baked one once", n)
	}
}

// bakedDist is dist with data baked in as server/internal/bake.Head writes it: every file of
// dist hard-linked (copied where it cannot be), heads/<sha256[:16]>.grafthead and head.json.
func bakedDist(t *testing.T, dist, dir string, data []byte, title string) string {
	t.Helper()
	os.RemoveAll(dir)
	err := filepath.WalkDir(dist, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dist, path)
		to := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if rel == app.HeadManifestFile || strings.HasPrefix(rel, "heads"+string(filepath.Separator)) {
			return nil
		}
		if os.Link(path, to) == nil {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	file := "heads/" + hex.EncodeToString(sum[:8]) + ".grafthead"
	hm, _, err := app.NewHeadManifest(data, file, title)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.MarshalIndent(hm, "", "  ")
	os.MkdirAll(filepath.Join(dir, "heads"), 0o755)
	writeFile(t, filepath.Join(dir, file), data)
	writeFile(t, filepath.Join(dir, app.HeadManifestFile), append(js, '\n'))
	return dir
}

func checkBundle(t *testing.T, path string, head []byte) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if strings.HasSuffix(f.Name, ".grafthead") {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if string(b) != string(head) {
				t.Errorf("%s in the bundle is not the head file", f.Name)
			}
		}
	}
	slices.Sort(names)
	if want := []string{"Pets/Pets.grafthead", "Pets/README.md"}; fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("bundle holds %v, want %v", names, want)
	}
}
