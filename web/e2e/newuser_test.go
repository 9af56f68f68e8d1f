// The page as a new user meets it: Train brings the progress into view (both viewports); a
// Train after Cancel and another folder trains; a trained head's answer comes above ImageNet's
// top-5 under the head's name; an unsaved head makes leaving the page ask first, Save says what
// it did and a second Save adds nothing; after a reload the head in use is in use again.
package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/web/wire"
)

// newUserPerClass photos of each class: enough for a run, quick to extract.
const newUserPerClass = 6

var viewports = []struct {
	name string
	w, h int64
	opts []chromedp.EmulateViewportOption
}{{"desktop", 1280, 900, nil}, {"phone", 375, 812, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}}}

// newUserPage starts the server and a browser on the page with the model loaded, and makes a
// training folder.
func newUserPage(t *testing.T) (p *page, data, shared string) {
	t.Helper()
	dist, chromium, _, out, shared := browserTestEnv(t)
	data = filepath.Join(t.TempDir(), "pets")
	makeTrainFolder(t, filepath.Join(shared, "data", "cats-vs-dogs", "train"), data, newUserPerClass)
	_, base := startServer(t, dist)
	p = &page{t: t, ctx: newBrowser(t, chromium, out), out: out}
	p.do(chromedp.Navigate(base))
	p.waitModel()
	p.poll("!!" + lastJS(wire.KindHeads, ""))
	return p, data, shared
}

// inViewport is JS: element id's top edge lies inside the viewport.
func inViewport(id string) string {
	return fmt.Sprintf(`(() => { const r = document.getElementById(%q)?.getBoundingClientRect(); return !!r && r.top >= 0 && r.top < innerHeight; })()`, id)
}

func TestTrainRevealsProgress(t *testing.T) {
	p, data, _ := newUserPage(t)
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
	for i, v := range viewports {
		p.do(chromedp.EmulateViewport(v.w, v.h, v.opts...))
		p.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		p.setField("set-epochs", fmt.Sprint(3+i)) // the second run reads the features from IndexedDB
		// Where a user who scrolled through the settings stands: the button at the bottom of the screen.
		p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("train-button").scrollIntoView({block: "end"})`))
		before, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](inViewport("train-progress")))
		if err != nil || before {
			t.Fatalf("%s: with Train at the bottom of the screen the progress is in view already (%v): the test shows nothing", v.name, err)
		}
		p.clickTrain()
		p.poll(inViewport("train-progress")) // smooth scrolling takes a moment
		p.poll(`!!document.querySelector("#extract-progress, #epoch-line")`)
		p.shot("newuser-progress-" + v.name)
		for _, id := range []string{"train-progress", "cancel-button"} {
			if ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](inViewport(id))); err != nil || !ok {
				t.Errorf("%s (%d×%d): after Train, #%s is not in view (%v)", v.name, v.w, v.h, id, err)
			}
		}
		p.waitTrained()
	}
}

// trainedOrCancelled waits for the run to end: "" when it trained, else the page's message.
func (p *page) trainedOrCancelled() string {
	p.t.Helper()
	return p.pollString(`(() => { const m = document.querySelector("#train-message")?.textContent || "";
		if (m.startsWith("Training")) return m;
		return !document.querySelector("#train-button").disabled && document.querySelector("#train-result") ? "trained" : ""; })()`)
}

func TestCancelThenNewFolderTrains(t *testing.T) {
	p, data, shared := newUserPage(t)
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
	p.setField("set-epochs", "3")
	// Train, then Cancel at once (a run of a dozen photos could end before a click lands).
	p.mark("train")
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("train-button").click(); document.getElementById("cancel-button").click()`))
	p.poll(`document.querySelector("#train-message")?.textContent === "Cancelled."`)

	other := filepath.Join(t.TempDir(), "pets2")
	makeTrainFolder(t, filepath.Join(shared, "data", "cats-vs-dogs", "train"), other, newUserPerClass-1)
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{other})) })
	p.clickTrain()
	if got := p.trainedOrCancelled(); got != "trained" {
		t.Fatalf("Train after Cancel and another folder: %q, want it to train", got)
	}
	if r := p.waitTrained(); r.TrainImages == 0 {
		t.Errorf("the run after Cancel trained on no images: %+v", r)
	}
}

func TestTrainedHeadFirstAndKept(t *testing.T) {
	p, data, shared := newUserPage(t)
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
	p.setField("set-epochs", "3")
	p.clickTrain()
	p.waitTrained()
	photo := filepath.Join(t.TempDir(), "validation-cat.png")
	cats := filepath.Join(shared, "data", "cats-vs-dogs", "validation", "cats")
	makePNG(t, filepath.Join(cats, firstJPEG(t, cats)), photo)
	pick := func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{photo})) }

	// The head's answer first, under its name.
	res := p.classify(pick)
	if res.Head == nil {
		t.Fatal("the result carries no head answer")
	}
	headFirst := `(() => { const h = document.querySelector("#head-probs"), t = document.querySelector("#top5");
		return !!h && !!t && (h.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0
			&& h.getBoundingClientRect().top < t.getBoundingClientRect().top; })()`
	for _, v := range viewports {
		p.do(chromedp.EmulateViewport(v.w, v.h, v.opts...))
		if ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](headFirst)); err != nil || !ok {
			t.Errorf("%s: the head's answer is not above ImageNet's top-5 (%v)", v.name, err)
		}
		p.shot("newuser-head-first-" + v.name)
	}
	title := p.pollString(`document.querySelector("#head-probs")?.closest("div")?.querySelector("h3")?.textContent || ""`)
	if !strings.HasPrefix(title, "cats / dogs: ") || strings.Contains(title, "just trained") {
		t.Errorf("the head's answer is titled %q, want its classes first (cats / dogs: …)", title)
	}

	// Unsaved: leaving asks. Saved twice: one entry, and the page says so.
	leaving := `(() => { const e = new Event("beforeunload", {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()`
	if asks, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](leaving)); err != nil || !asks {
		t.Errorf("with an unsaved head, leaving the page does not ask first (%v)", err)
	}
	p.do(chromedp.SetValue(chromedp.ID("save-name"), "pets"))
	p.do(chromedp.Click(chromedp.ID("save-button")))
	if got := p.pollString(`document.querySelector("#save-notice")?.textContent || ""`); got != "Saved as “pets”." {
		t.Errorf("after Save the page says %q", got)
	}
	p.poll(`document.querySelectorAll("#saved-heads li").length === 1`)
	p.do(chromedp.Click(chromedp.ID("save-button")))
	if got := p.pollString(`(t => t.startsWith("Already") ? t : "")(document.querySelector("#save-notice")?.textContent || "")`); !strings.Contains(got, "pets") {
		t.Errorf("a second Save says %q", got)
	}
	if n := p.evalInt(`document.querySelectorAll("#saved-heads li").length`); n != 1 {
		t.Errorf("two Saves keep %d heads, want 1", n)
	}
	if asks, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](leaving)); err != nil || asks {
		t.Errorf("with the head saved, leaving the page still asks (%v)", err)
	}

	// Reload: the saved head is in use again, and a photo gets its answer.
	id := p.pollString(`document.querySelector("#saved-heads li.active")?.dataset.id || ""`)
	p.do(chromedp.Reload())
	p.waitModel()
	if got := p.pollString(`document.querySelector("#saved-heads li.active")?.dataset.id || ""`); got != id {
		t.Errorf("after a reload head %q is in use, want %s", got, id)
	}
	again := p.classify(pick)
	if again.Head == nil || again.Head.Name != "pets" {
		t.Fatalf("after a reload the photo has no answer of the saved head: %+v", again.Head)
	}
	p.poll(headFirst)
	p.shot("newuser-head-after-reload")
}
