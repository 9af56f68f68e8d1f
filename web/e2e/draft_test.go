// The head just trained is kept as a draft: shown apart from the saved heads ("Draft from
// 02:14, not saved: …"), offered back after a reload, replaced by the next run's, made a saved
// head by Save and deleted by Discard.
package e2e

import (
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// draftsJS is how many draft records IndexedDB's heads store holds.
const draftsJS = `(async () => {
	const db = await new Promise((ok, bad) => { const r = indexedDB.open("graft"); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
	const all = await new Promise((ok, bad) => { const tx = db.transaction("heads", "readonly"), r = tx.objectStore("heads").getAll();
		tx.oncomplete = () => ok(r.result); tx.onerror = () => bad(tx.error); });
	db.close();
	return all.filter(h => h.draft).length;
})()`

func TestDraftHeadInBrowser(t *testing.T) {
	p, data, _ := newUserPage(t)
	// Leaving with an unsaved head asks (beforeunload): say yes, as a user reloading does.
	chromedp.Listen(p.ctx, func(ev any) {
		if _, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			go chromedp.Call(p.ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	pick := func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) }
	drafts := func() int {
		n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](draftsJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	saved := func() int { return p.evalInt(`document.querySelectorAll("#saved-heads li").length`) }
	draftLine := `(t => t.startsWith("Draft from") ? t : "")(document.querySelector("#draft-line")?.textContent || "")`
	train := func(epochs string) {
		p.setField("set-epochs", epochs)
		p.clickTrain()
		p.waitTrained()
	}

	p.waitListing(pick)
	train("3")
	line := p.pollString(draftLine)
	if !strings.HasSuffix(line, ", not saved: cats / dogs") || saved() != 0 || drafts() != 1 {
		t.Errorf("after training: %q, %d saved heads, %d drafts stored", line, saved(), drafts())
	}
	p.shot("draft-after-training")

	p.do(chromedp.Reload())
	p.waitModel()
	if got := p.pollString(draftLine); got != line {
		t.Errorf("after a reload the page offers %q, want %q", got, line)
	}
	if saved() != 0 {
		t.Errorf("after a reload the draft is among the saved heads")
	}

	// A new run replaces the draft; Save makes it a saved head.
	p.waitListing(pick)
	train("4")
	p.poll(`(document.querySelector("#draft")?.dataset.id || "") !== ""`)
	if n := drafts(); n != 1 {
		t.Errorf("after a second run %d drafts are stored, want 1", n)
	}
	p.do(chromedp.Click(chromedp.ID("draft-save")))
	p.poll(`document.querySelectorAll("#saved-heads li").length === 1 && !document.querySelector("#draft")`)
	if n := drafts(); n != 0 {
		t.Errorf("after Save %d drafts are stored", n)
	}

	// Discard deletes the next run's draft; the saved head stays; leaving no longer asks.
	train("2")
	p.pollString(draftLine)
	p.do(chromedp.Click(chromedp.ID("draft-discard")))
	p.poll(`!document.querySelector("#draft")`)
	if n, s := drafts(), saved(); n != 0 || s != 1 {
		t.Errorf("after Discard: %d drafts, %d saved heads, want 0 and 1", n, s)
	}
	leaving := `(() => { const e = new Event("beforeunload", {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()`
	if asks, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](leaving)); err != nil || asks {
		t.Errorf("after Discard leaving the page still asks (%v)", err)
	}
}
