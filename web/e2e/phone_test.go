// phone_test.go: the page on a phone's screen (375×812, mobile emulation): while the weights
// stream, the first screen says so (and stays saying so while scrolled); nothing sticks out to
// the right or cuts its own text (the settings' selects); and without a folder picker a folder
// is made class by class (a name, then its photos) and trains.
package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// overflowJS lists what sticks out of the viewport to the right, and the selects with an
// option whose text is wider than the select shows (less its arrow).
const overflowJS = `(() => {
  const out = [], w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > w + 1) out.push("page scrolls sideways: " + document.documentElement.scrollWidth + " > " + w);
  for (const el of document.querySelectorAll("main *, header *")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1 && getComputedStyle(el).position !== "fixed") out.push((el.id || el.tagName) + " ends at " + Math.round(r.right));
  }
  const ctx = document.createElement("canvas").getContext("2d");
  for (const sel of document.querySelectorAll("select")) {
    if (!sel.offsetParent) continue;
    const cs = getComputedStyle(sel);
    ctx.font = cs.font;
    const room = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;
    for (const o of sel.options) { // any of them may be the one chosen
      const need = ctx.measureText(o.text).width;
      if (need > room) out.push("#" + sel.id + " cuts “" + o.text + "” (" + Math.round(need) + " px of text, " + Math.round(room) + " px shown)");
    }
  }
  return out.join("; ");
})()`

func TestPhoneFirstScreen(t *testing.T) {
	dist, chromium, _, out, shared := browserTestEnv(t)
	rec, base := startServer(t, dist)
	rec.mu.Lock()
	rec.delay = 300 * time.Millisecond // long enough to look at the first screen while it loads
	rec.mu.Unlock()
	p := &page{t: t, ctx: newBrowser(t, chromium, out), out: out}
	phone := viewports[1]
	p.do(chromedp.EmulateViewport(phone.w, phone.h, phone.opts...))
	p.do(chromedp.Navigate(base))
	p.poll(`document.querySelector("#model-headline")?.dataset.phase === "downloading" && /of 54 layers/.test(document.querySelector("#load-strip")?.textContent || "")`)
	if ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](inViewport("load-strip"))); err != nil || !ok {
		t.Errorf("while the model loads, the loading line is not on the first screen (%v)", err)
	}
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("train-h").scrollIntoView()`))
	if ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(() => { const r = document.getElementById("load-strip").getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`)); err != nil || !ok {
		t.Errorf("scrolled down to the training panel, the loading line is out of view (%v)", err)
	}
	p.shot("phone-first-screen")
	rec.mu.Lock()
	rec.delay = 0
	rec.mu.Unlock()
	p.waitModel()
	p.poll(`!document.getElementById("load-strip")`)
	p.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	if o := p.pollString(`(` + overflowJS + `) || "none"`); o != "none" {
		t.Errorf("at 375 px: %s", o)
	}

	// A folder made class by class.
	data := filepath.Join(t.TempDir(), "pets")
	makeTrainFolder(t, filepath.Join(shared, "data", "cats-vs-dogs", "train"), data, newUserPerClass)
	added := map[string]int{}
	for _, class := range []string{"cats", "dogs"} {
		photos, _ := filepath.Glob(filepath.Join(data, class, "*.png"))
		if added[class] = len(photos); len(photos) < newUserPerClass {
			t.Fatalf("%s: %d photos", class, len(photos))
		}
		p.do(chromedp.SetValue(chromedp.ID("class-name"), class))
		p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("class-name").dispatchEvent(new Event("input", {bubbles: true}))`))
		p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("class-photos"), photos)) })
	}
	// dogs/zz-copy.png is a byte copy of a cat: listed as a duplicate, not trained on.
	classes := p.pollString(`[...document.querySelectorAll("#class-table tbody tr")].map(r => r.dataset.class + "=" + r.dataset.images).join(",")`)
	if want := fmt.Sprintf("cats=%d,dogs=%d", added["cats"], added["dogs"]-1); classes != want {
		t.Fatalf("the folder made class by class lists %q, want %q", classes, want)
	}
	made := p.pollString(`document.getElementById("by-class-list")?.textContent || ""`)
	for class, n := range added {
		if want := fmt.Sprintf("%s: %d photos", class, n); !strings.Contains(made, want) {
			t.Errorf("the made folder's list says %q, want %q in it", made, want)
		}
	}
	if o := p.pollString(`(` + overflowJS + `) || "none"`); o != "none" {
		t.Errorf("at 375 px with a listing: %s", o)
	}
	p.clickTrain()
	p.waitTrained()
	p.shot("phone-trained-by-class")

	// Without a name, photos are refused with a message, and the listing stays.
	photos, _ := filepath.Glob(filepath.Join(data, "cats", "*.png"))
	p.do(chromedp.SetUploadFiles(chromedp.ID("class-photos"), photos[:1]))
	msg := p.pollString(`document.getElementById("error-message")?.textContent || ""`)
	if !strings.Contains(msg, "Name the class first") {
		t.Errorf("photos added without a class name: the page says %q", msg)
	}
	if classes := p.pollString(`[...document.querySelectorAll("#class-table tbody tr")].map(r => r.dataset.class).join(",")`); classes != "cats,dogs" {
		t.Errorf("after the refused photos the listing is %q", classes)
	}
}
