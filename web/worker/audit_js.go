//go:build js && wasm

// The model worker's side of "Check labels" (wire/audit.go): engine.Trainer.Audit on the
// cached features, a progress message per fold, stopped by the page's Cancel{Run}.
package main

import (
	"context"
	"errors"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/web/engine"
	"github.com/graftml/graft/web/wire"
)

// audit answers an audit request with progress and then audited.
func (w *worker) audit(req *wire.Audit) {
	fail := func(err error) {
		out := wire.Audited{Run: req.Run, Error: err.Error(), Cancelled: errors.Is(err, context.Canceled)}
		var af *engine.AuditFailed
		if errors.As(err, &af) {
			out.Missing = af.Missing
		}
		post(wire.Envelope{Kind: wire.KindAudited, Audited: &out})
	}
	if w.isCancelled(req.Run) {
		fail(context.Canceled)
		return
	}
	base, err := app.HeadBaseAt(w.session.Manifest(), req.Settings.Resize, req.Settings.Layer)
	if err != nil {
		fail(err)
		return
	}
	ctx, end := w.runContext(req.Run)
	defer end()
	yctx := engine.WithYield(ctx, yieldEvery, yieldToEventLoop)
	out, err := w.trainer.Audit(yctx, w.features, base, *req, func(done, total int) {
		post(wire.Envelope{Kind: wire.KindAuditProgress, AuditProgress: &wire.AuditProgress{Run: req.Run, Done: done, Total: total}})
		yieldToEventLoop()
	})
	if err != nil {
		fail(err)
		return
	}
	post(wire.Envelope{Kind: wire.KindAudited, Audited: out})
}
