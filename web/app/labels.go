// labels.go: the App's side of Check labels (labels_state.go has the state): asks the model
// worker to audit the listed folder's cached features, shows the findings from the user's own
// Files, and cancels. Methods run under Vugu's lock (DOM handlers, or App.do).
package main

import (
	"github.com/vugu/vugu/js"

	"github.com/graftml/graft/web/wire"
)

// CheckLabels asks the model worker for the label check with the form's settings. Under the lock.
func (a *App) CheckLabels() {
	t := &a.State.Train
	if !CanCheck(t, a.State.Model) {
		return
	}
	s, err := t.Form.Settings()
	if err != nil {
		t.Check.Message = "Check the settings: " + err.Error()
		return
	}
	a.revokeCheck()
	run := t.Check.Start()
	a.post(a.worker, wire.Envelope{Kind: wire.KindAudit, Audit: &wire.Audit{Run: run, Listing: a.tr.listingID, Settings: s,
		Failed: t.Failed, Changes: t.Check.Changes}})
}

// CancelCheck stops the label check (between batches in the worker). Under the lock.
func (a *App) CancelCheck() {
	c := &a.State.Train.Check
	if c.Phase != CheckRunning {
		return
	}
	a.post(a.worker, wire.Envelope{Kind: wire.KindCancel, Cancel: &wire.Cancel{Run: c.Run}})
	c.Phase, c.Message = CheckCancelled, "Label check cancelled."
}

// Decide records a decision on suspect i; UndoChange takes the last one back. Under the lock.
func (a *App) Decide(i int, d string) { a.State.Train.Check.Decide(i, d) }
func (a *App) UndoChange()            { a.State.Train.Check.Undo() }

// onAuditMessage takes the model worker's audit_progress and audited.
func (a *App) onAuditMessage(e wire.Envelope) {
	c := &a.State.Train.Check
	switch e.Kind {
	case wire.KindAuditProgress:
		c.ApplyProgress(e.AuditProgress)
	case wire.KindAudited:
		if e.Audited.Run != c.Run {
			return
		}
		c.ApplyAudited(e.Audited, a.thumbURL)
	}
}

// thumbURL is an object URL of the picked file at path ("" when the page has none).
func (a *App) thumbURL(path string) string {
	idx, ok := a.tr.fileOf[path]
	if !ok || !a.tr.files.Truthy() {
		return ""
	}
	u := js.Global().Get("URL").Call("createObjectURL", a.tr.files.Index(idx)).String()
	a.State.Train.Check.urls = append(a.State.Train.Check.urls, u)
	return u
}

func (a *App) revokeCheck() {
	c := &a.State.Train.Check
	for _, u := range c.urls {
		js.Global().Get("URL").Call("revokeObjectURL", u)
	}
	c.urls = nil
}
