// recorder_test.go — what the tests read of the workers' messages: a script the test injects
// into every document before the page's own (page.AddScriptToEvaluateOnNewDocument) wraps the
// Worker constructor, so every message a worker posts to the page (JSON strings, web/wire) is
// also pushed onto window.__graftRecorded. The page itself keeps no copy for tests; the
// recorder sees exactly what web/app receives.
package e2e

import (
	"context"
	"fmt"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// recorderJS runs before any script of each document. __graftMark(name) remembers where the
// record stands; __graftLast(kind, name, pred) is the text of the latest message of that kind
// recorded after the mark (all of them without one) for which pred(parsed) holds, or "".
const recorderJS = `(() => {
  if (window.__graftRecorded) return;
  const rec = [], marks = {};
  window.__graftRecorded = rec;
  window.__graftMark = (name) => { marks[name] = rec.length; };
  window.__graftLast = (kind, name, pred) => {
    const from = name ? (marks[name] ?? 0) : 0;
    for (let i = rec.length - 1; i >= from; i--) {
      let m;
      try { m = JSON.parse(rec[i].data); } catch { continue; }
      if (m && m.kind === kind && (!pred || pred(m))) return rec[i].data;
    }
    return "";
  };
  const Native = window.Worker;
  if (!Native) return;
  window.Worker = class extends Native {
    constructor(url, opts) {
      super(url, opts);
      const worker = (opts && opts.name) || "";
      this.addEventListener("message", (e) => {
        let data = e.data;
        if (typeof data !== "string") { try { data = JSON.stringify(data); } catch { data = String(data); } }
        rec.push({ worker, data });
      });
    }
  };
})();`

// installRecorder adds recorderJS to every document the tab opens from now on.
func installRecorder(ctx context.Context) error {
	_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: recorderJS})
	return err
}

// mark remembers where the record stands under name (for last).
func (p *page) mark(name string) {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.__graftMark(%q)`, name)))
}

// lastJS is a JavaScript expression: the latest recorded message of kind after mark name ("":
// since the document opened), or "" when there is none.
func lastJS(kind, name string) string {
	return fmt.Sprintf(`window.__graftLast(%q, %q)`, kind, name)
}

// missingJS is how many entries the latest "missing" message since mark "missing" asked the page
// to extract (0 when none came).
const missingJS = `(() => { const r = window.__graftLast("missing", "missing");
	return r ? (JSON.parse(r).missing.entries || []).length : 0; })()`
