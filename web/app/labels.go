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
		c.Write.CanWrite = js.Global().Get("showDirectoryPicker").Truthy()
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

// WriteChanges asks for the folder the photos were listed from (readwrite) and does the changes
// to it (labels_write.go): the model worker names the destinations, folder.mjs moves each file
// after checking it is the listed photo. Under the lock: the picker must open in the click's
// handler (user activation); the rest runs from its Promise.
func (a *App) WriteChanges() {
	c := &a.State.Train.Check
	if c.Write.Running || len(c.Changes) == 0 {
		return
	}
	c.Write.Running, c.Write.Line = true, "Choose the folder the photos were listed from…"
	awaitJS(js.Global().Get("graftFolder").Call("pickTarget", "graft-train"), func(v js.Value) {
		a.do(func() {
			a.writeRoot = v.Get("handle")
			var existing []string
			for i := range v.Get("existing").Length() {
				existing = append(existing, v.Get("existing").Index(i).String())
			}
			var classes []string
			for _, cl := range a.State.Train.List.Classes {
				classes = append(classes, cl.Name)
			}
			run := c.Write.Start(c.Changes)
			a.post(a.worker, wire.Envelope{Kind: wire.KindSortPlan, SortPlan: &wire.SortPlan{Run: run, Classes: classes, Existing: existing,
				Items: WriteItems(c.Write.Pending)}})
		})
	}, func(msg string) {
		a.do(func() { c.Write.Running, c.Write.Line = false, "Nothing was written: "+msg })
	})
}

// moveChanged has folder.mjs move the files to the destinations the model worker named.
func (a *App) moveChanged(n *wire.SortNames) {
	c := &a.State.Train.Check
	w := &c.Write
	if n.Error != "" || len(n.Paths) != len(w.Pending) {
		w.Finish(c, nil, n.Error)
		return
	}
	items := js.Global().Get("Array").New()
	for i, ch := range w.Pending {
		it := js.Global().Get("Object").New()
		it.Set("from", ch.Path)
		it.Set("to", n.Paths[i])
		it.Set("hash", ch.Hash)
		items.Call("push", it)
	}
	written := make([]bool, len(w.Pending))
	w.Line = "Moving " + plural(len(written), "file", "files") + "…"
	progress := js.FuncOf(func(_ js.Value, args []js.Value) any {
		i, ok := args[0].Int(), args[1].Bool()
		a.do(func() {
			if i >= 0 && i < len(written) {
				written[i] = ok
			}
		})
		return nil
	})
	awaitJS(js.Global().Get("graftFolder").Call("moveFiles", a.writeRoot, items, progress), func(v js.Value) {
		a.do(func() {
			progress.Release()
			w.Finish(c, written, v.Get("firstError").String())
		})
	}, func(msg string) {
		a.do(func() {
			progress.Release()
			w.Finish(c, written, msg)
		})
	})
}
