// audit.go: "Check labels" in the model worker — app.Audit (what `graft audit` runs) on the
// features the feature cache already holds for the listing, and the overlay of the user's
// decisions (wire.Change: move to a class, or exclude) that Prepare applies to the listing
// before every training. Changes are keyed by content hash, so they hold across a re-list of
// the same folder; the folder itself is never written.
package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/web/wire"
)

// ApplyChanges returns l with changes applied (l itself is left as it is): an entry whose hash
// a change names moves to the change's class (a class the listing has; others are ignored) or
// is moved to Skipped with wire.ReasonExcluded. The last change of a hash wins.
func ApplyChanges(l *dataset.Listing, changes []wire.Change) *dataset.Listing {
	if len(changes) == 0 {
		return l
	}
	byHash := make(map[string]wire.Change, len(changes))
	for _, c := range changes {
		byHash[c.Hash] = c
	}
	out := &dataset.Listing{Classes: slices.Clone(l.Classes), Entries: slices.Clone(l.Entries), Skipped: slices.Clone(l.Skipped)}
	for i := len(out.Entries) - 1; i >= 0; i-- {
		e := &out.Entries[i]
		c, ok := byHash[e.Hash]
		if !ok {
			continue
		}
		if c.Exclude {
			out.Drop(i, wire.ReasonExcluded)
			continue
		}
		if k := slices.IndexFunc(out.Classes, func(x dataset.Class) bool { return x.Name == c.Class }); k >= 0 && k != e.Class {
			out.Classes[e.Class].Images--
			out.Classes[k].Images++
			e.Class = k
		}
	}
	return out
}

// AuditFailed is an audit that could not run; Missing counts the photos without cached features.
type AuditFailed struct {
	Missing int
	Err     error
}

func (e *AuditFailed) Error() string { return e.Err.Error() }

// Audit checks the labels of the listing req names (Failed dropped, Changes applied) on the
// cached features of its settings' conservative head, as `graft audit` does: app.Audit with
// head.Config from the settings. Nothing is extracted: when some photo has no cached
// features the answer is an *AuditFailed saying how many. progress sees each fold.
func (t *Trainer) Audit(ctx context.Context, store FeatureStore, base head.Base, req wire.Audit, progress func(done, total int)) (*wire.Audited, error) {
	start := time.Now()
	s := req.Settings
	s.Strategy = wire.StrategyConservative
	plan, err := t.Prepare(ctx, store, base, wire.Train{Run: req.Run, Listing: req.Listing, Settings: s, Failed: req.Failed, Changes: req.Changes})
	if err != nil {
		return nil, err
	}
	if n := len(plan.Missing); n > 0 {
		return nil, &AuditFailed{Missing: n, Err: fmt.Errorf("%d of %d photos have no features cached for these settings yet: train once with them first (the check reuses training's features)",
			n, len(plan.Listing.Entries))}
	}
	rep, err := app.Audit(ctx, plan.Config, plan.Data, req.Folds, progress)
	if err != nil {
		return nil, err
	}
	hashOf := make(map[string]string, len(plan.Listing.Entries))
	for _, e := range plan.Listing.Entries {
		hashOf[e.Path] = e.Hash
	}
	out := &wire.Audited{Run: req.Run, Examples: rep.Examples, Folds: rep.Folds, Mislabels: rep.Mislabels, Duplicates: rep.Duplicates,
		Findings: []wire.Finding{}, Ms: ms(time.Since(start))}
	for _, f := range rep.Findings {
		w := wire.Finding{Kind: f.Kind, Path: f.Path, Hash: hashOf[f.Path], Label: f.Label, Suggested: f.Suggested, Score: finite(f.Score),
			Other: f.Other, Confident: f.Confident}
		if f.Other != "" {
			w.OtherHash = hashOf[f.Other]
		}
		out.Findings = append(out.Findings, w)
	}
	return out, nil
}
