// train.go: what the model worker does to train a head on a folder of photos — the browser's
// side of `graft train` (core/cmd/graft/train.go), on the same core code: a app/dataset
// Listing fed file by file, head.Config from the page's settings exactly as graft train makes
// it from its flags, features read from the feature cache under app/dataset's Key, and
// head.Train. Same listing, same settings and same features give the same head.
package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/graftml/graft/app"

	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/web/wire"
)

// AddFile feeds one file of a picked folder to l: rel is its path below the root. Like
// dataset.ListDir, every top-level folder is a class even when none of its files is an image.
func AddFile(l *dataset.Lister, rel string, data []byte) {
	rel = path.Clean(strings.TrimPrefix(rel, "/"))
	if class, _, inClass := strings.Cut(rel, "/"); inClass {
		l.AddClass(class)
	}
	l.Add(rel, data)
}

// ListingMessage is l as the page sees it.
func ListingMessage(id int, l *dataset.Listing, ms float64) *wire.Listing {
	w := &wire.Listing{ID: id, Final: true, Ms: ms, Done: len(l.Entries) + len(l.Skipped), Total: len(l.Entries) + len(l.Skipped)}
	for _, c := range l.Classes {
		w.Classes = append(w.Classes, wire.ClassCount{Name: c.Name, Images: c.Images})
	}
	for _, e := range l.Entries {
		w.Entries = append(w.Entries, wire.Entry{Path: e.Path, Hash: e.Hash, Class: e.Class, Bytes: e.Bytes})
	}
	for _, s := range l.Skipped {
		w.Skipped = append(w.Skipped, wire.Skip{Path: s.Path, Reason: s.Reason})
	}
	return w
}

// Trainer keeps the folder last listed and trains heads on it.
type Trainer struct {
	mu        sync.Mutex
	listingID int
	listing   *dataset.Listing
}

// SetListing makes l the folder train requests refer to, as listing id.
func (t *Trainer) SetListing(id int, l *dataset.Listing) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.listingID, t.listing = id, l
}

// Plan is a train request checked against the cache: either Missing is non-empty (extract
// those entries first) or Data holds every example.
type Plan struct {
	Config  head.Config
	Base    head.Base
	Views   []dataset.View
	Listing *wire.Listing // after dropping the request's failed images
	Missing []int         // entries without all their views cached
	Data    *head.Data    // when nothing is missing
	LoadMs  float64       // reading the cache

	// The dynamic strategy (dynamic.go): its settings, the cached layer (the first unfrozen
	// block's input) and, when nothing is missing, the store of those inputs.
	Dynamic   *finetune.Config
	Input     string
	Inputs    *finetune.Store
	inputKeys [][]string // [entry][view]
	inputs    BlockInputStore
}

// ErrStaleListing: a train request for a folder this worker no longer holds.
var ErrStaleListing = errors.New("the folder was listed again or the page reloaded; pick the folder again")

// Prepare checks a train request: the settings, the listing it names (dropping the images
// extraction found undecodable, as dataset.ExtractDir does), and which features the cache
// already holds. base is app.HeadBase for the model and the settings' resize mode. For the dynamic
// strategy store must also be a BlockInputStore: an entry is missing when its features or its
// block inputs are, and the inputs of a complete folder are loaded into Plan.Inputs up to the
// memory budget (the rest are read again from store at each use).
func (t *Trainer) Prepare(ctx context.Context, store FeatureStore, base head.Base, req wire.Train) (*Plan, error) {
	cfg, err := app.HeadConfigOf(req.Settings)
	if err != nil {
		return nil, err
	}
	p := &Plan{Config: cfg, Base: base, Views: dataset.TrainingViews(cfg.Flip)}
	if err := p.setDynamic(req.Settings, store); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.listing == nil || t.listingID != req.Listing {
		return nil, ErrStaleListing
	}
	l := t.listing
	for _, f := range req.Failed {
		if i := slices.IndexFunc(l.Entries, func(e dataset.Entry) bool { return e.Path == f.Path }); i >= 0 {
			l.Drop(i, f.Reason)
		}
	}
	l = ApplyChanges(l, req.Changes) // the label check's overlay (audit.go); t.listing stays as listed
	p.Listing = ListingMessage(t.listingID, l, 0)
	start := time.Now()
	keys := make([]string, 0, len(l.Entries)*len(p.Views))
	for _, e := range l.Entries {
		for _, v := range p.Views {
			keys = append(keys, FeatureKey(base, e.Hash, v))
		}
	}
	vecs, err := store.GetFeatures(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("reading the feature cache: %w", err)
	}
	if len(vecs) != len(keys) {
		return nil, fmt.Errorf("the feature cache answered %d of %d keys", len(vecs), len(keys))
	}
	missing := make([]bool, len(l.Entries))
	examples := make([]head.Example, 0, len(l.Entries))
	for i, e := range l.Entries {
		views := vecs[i*len(p.Views) : (i+1)*len(p.Views)]
		if slices.ContainsFunc(views, func(v []float32) bool { return len(v) != base.Features }) {
			missing[i] = true
			continue
		}
		examples = append(examples, head.Example{Views: views, Label: e.Class, Name: e.Path})
	}
	if p.Dynamic != nil {
		if err := p.loadInputs(ctx, l.Entries, missing); err != nil {
			return nil, err
		}
	}
	for i, m := range missing {
		if m {
			p.Missing = append(p.Missing, i)
		}
	}
	p.LoadMs = ms(time.Since(start))
	if len(p.Missing) == 0 {
		p.Data = &head.Data{Base: base, Classes: l.Names(), Examples: examples}
	} else {
		p.Inputs = nil
	}
	return p, nil
}

// MissingMessage asks the page to extract p.Missing. What to extract (p.Base, p.Views,
// p.Input) stays here: each worker derives it from the run's settings (RunSpecOf).
func (p *Plan) MissingMessage(run int) *wire.Missing {
	m := &wire.Missing{Run: run, Entries: p.Missing, Listing: p.Listing, Cached: len(p.Listing.Entries) - len(p.Missing)}
	if p.Input != "" {
		m.InputBytes = InputEntryBytes(p.Input)
	}
	return m
}

// Outcome is a finished run: the model to use and its file, for a dynamic run the
// conservative head beside it (the fallback; nil when the model is that head), and the message
// describing the run.
type Outcome struct {
	Model        *head.Model
	File         []byte
	Fallback     *head.Model
	FallbackFile []byte
	Msg          *wire.Trained
}

// Train runs head.Train (or, for the dynamic strategy, finetune.Train with model's blocks) on
// a plan with no missing features. onEpoch sees each epoch as the page shows it.
func (p *Plan) Train(ctx context.Context, model *resnet50.Model, run int, onEpoch func(wire.Epoch)) (*Outcome, error) {
	if p.Data == nil {
		return nil, errors.New("engine: training before every feature is extracted")
	}
	if p.Dynamic != nil {
		return p.trainDynamic(ctx, model, run, onEpoch)
	}
	res, err := app.TrainHead(ctx, p.Config, p.Data, epochSender(run, onEpoch))
	if err != nil {
		return nil, err
	}
	msg := &wire.Trained{Run: run, Classes: res.Model.Classes, History: historyMessage(run, res.History), BestEpoch: res.BestEpoch,
		StoppedEarly: res.StoppedEarly, TrainImages: len(res.Head.Train), ValImages: len(res.Head.Val),
		Head: InfoOf(res.Model, 0, "", 0, len(res.File)), LoadMs: p.LoadMs, TrainMs: ms(res.Elapsed),
		Strategy: wire.StrategyConservative, Describe: res.Model.Describe(), HeadEpochs: len(res.History)}
	msg.Validation = metricsMessage(res.Validation)
	return &Outcome{Model: res.Model, File: res.File, Msg: msg}, nil
}

// epochSender passes each epoch on to onEpoch as the page sees it (nil: none).
func epochSender(run int, onEpoch func(wire.Epoch)) func(app.Epoch) {
	if onEpoch == nil {
		return nil
	}
	return func(e app.Epoch) { onEpoch(epochMessage(run, e)) }
}

// historyMessage is a run's history as the page sees it.
func historyMessage(run int, h []app.Epoch) []wire.Epoch {
	out := make([]wire.Epoch, len(h))
	for i, e := range h {
		out[i] = epochMessage(run, e)
	}
	return out
}

// metricsMessage is v as the page sees it (nil without validation).
func metricsMessage(v *head.Metrics) *wire.Metrics {
	if v == nil {
		return nil
	}
	m := &wire.Metrics{Examples: v.Examples, Loss: finite(v.Loss), Accuracy: v.Accuracy,
		PerClass: v.PerClass, Counts: v.Counts, Confusion: v.Confusion}
	for _, w := range v.Wrong {
		m.Wrong = append(m.Wrong, wire.Wrong{Path: w.Name, Label: w.Label, Predicted: w.Predicted, Probs: w.Probs})
	}
	return m
}

// epochMessage is one history line for the page (non-finite values sent as 0, flagged).
func epochMessage(run int, e app.Epoch) wire.Epoch {
	w := wire.Epoch{Run: run, Epoch: e.Run, Epochs: e.Planned, Phase: e.Phase, PhaseEpoch: e.Epoch.Epoch, Loss: finite(e.Loss), Accuracy: e.Accuracy,
		ValLoss: finite(e.ValLoss), ValAccuracy: e.ValAccuracy, Ms: ms(e.Elapsed)}
	w.Diverged = w.Loss != e.Loss || w.ValLoss != e.ValLoss
	return w
}

// finite maps NaN and ±Inf to 0 (JSON has no numbers for them).
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}
