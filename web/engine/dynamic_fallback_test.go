// The dynamic strategy's two other endings in the browser's path: the conservative head wins
// (no fine-tuning epoch beats its validation loss: the Trained message says so and the model
// file is that head, saved once), and a cancel during the fine-tuning phase, seen between
// batches through WithYield's hook. Both run on TestDynamicTrainEqualsGraftTrainPath's folder,
// once it is extracted.
package engine

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/blockinput"
	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/web/wire"
)

// smallDynamic is a listed folder whose features and block inputs are all in store
// (TestDynamicTrainEqualsGraftTrainPath's, extracted there: extraction is most of the cost).
type smallDynamic struct {
	s     *Session
	model *resnet50.Model
	tr    *Trainer
	store *MemFeatures
	req   wire.Train
}

// plan prepares the folder's run with dynamicSettings changed by set: a linear head at a small
// learning rate (the synthetic fill's features are large), a validation split of one photo a
// class, no flips, 2 fine-tuning epochs.
func (d *smallDynamic) plan(t *testing.T, set func(*wire.Settings)) *Plan {
	t.Helper()
	req := d.req
	s := &req.Settings
	s.Head, s.Epochs, s.Seed, s.ValSplit, s.BatchSize, s.LearningRate, s.Flip = "linear", 5, 3, 0.5, 1, 1e-5, false
	s.Strategy, s.FineTuneEpochs, s.Patience = wire.StrategyDynamic, 2, 0
	set(s)
	base, _ := app.HeadBase(d.s.Manifest(), s.Resize)
	plan, err := d.tr.Prepare(context.Background(), d.store, base, req)
	if err != nil || len(plan.Missing) != 0 {
		t.Fatalf("prepare: missing %v, %v", plan.Missing, err)
	}
	return plan
}

// conservativeHeadKept: with a fine-tuning learning rate 10^4 times the head's, every step
// moves each weight of the block by about 0.1, which wrecks the features the head was fitted
// to: no fine-tuning epoch comes near the conservative head's validation loss (measured:
// 4,750 for the head, 3.1e6 and more after fine-tuning; the log shows them).
func conservativeHeadKept(t *testing.T, d *smallDynamic) {
	plan := d.plan(t, func(s *wire.Settings) { s.FineTuneLR = 0.1 })
	out, err := plan.Train(context.Background(), d.model, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := out.Msg
	for _, e := range msg.History {
		t.Logf("%-9s epoch %d: val loss %.4f", e.Phase, e.PhaseEpoch, e.ValLoss)
	}
	if msg.BestFineTuneEpoch != 0 || msg.Strategy != wire.StrategyDynamic || msg.Conservative == nil {
		t.Fatalf("best fine-tuning epoch %d, strategy %s, conservative %+v: want the conservative head kept", msg.BestFineTuneEpoch, msg.Strategy, msg.Conservative)
	}
	if len(msg.History) != msg.HeadEpochs+2 || msg.BestEpoch != msg.Conservative.BestEpoch || msg.BestEpoch > msg.HeadEpochs {
		t.Errorf("history of %d epochs (%d head), best epoch %d (conservative %d)", len(msg.History), msg.HeadEpochs, msg.BestEpoch, msg.Conservative.BestEpoch)
	}
	if msg.Describe != out.Model.Describe() || out.Model.Trunk != nil || msg.Head.Describe != msg.Conservative.Head.Describe {
		t.Errorf("describe %q (model %q), head %q, conservative %q", msg.Describe, out.Model.Describe(), msg.Head.Describe, msg.Conservative.Head.Describe)
	}
	if msg.Validation == nil || msg.Validation.Loss != msg.Conservative.ValLoss || msg.Validation.Accuracy != msg.Conservative.ValAccuracy {
		t.Errorf("validation %+v: want the conservative head's (loss %g, accuracy %g)", msg.Validation, msg.Conservative.ValLoss, msg.Conservative.ValAccuracy)
	}
	// The model file is the conservative head (version 1, no trunk), and there is no fallback.
	cons, err := headfile.Marshal(out.Model)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.File, cons) || out.Fallback != nil || out.FallbackFile != nil || msg.Head.Bytes != len(out.File) || msg.Conservative.Head.Bytes != len(out.File) {
		t.Errorf("model file %d bytes, conservative %d, fallback %v", len(out.File), len(cons), out.Fallback != nil)
	}
	// Saved: one head, the conservative one, no "(conservative)" copy beside it.
	shelf := NewShelf(&MemHeads{}, d.s.Manifest().Model.ID, out.Model.Base.Layer)
	if err := shelf.SetTrained(out.Model, out.File, out.Fallback, out.FallbackFile); err != nil {
		t.Fatal(err)
	}
	if layer, _, _ := shelf.ActiveInput(); layer != out.Model.Base.Layer {
		t.Errorf("the kept head observes %s", layer)
	}
	id, err := shelf.Save(context.Background(), "pets", 1)
	if err != nil {
		t.Fatal(err)
	}
	list := shelf.List(context.Background())
	if len(list.Heads) != 1 || list.Heads[0].Name != "pets" || list.Heads[0].Describe != out.Model.Describe() {
		t.Errorf("saved %+v", list.Heads)
	}
	if file, _, err := shelf.Export(context.Background(), id); err != nil || !bytes.Equal(file, out.File) {
		t.Errorf("export: %d bytes, %v", len(file), err)
	}
}

// cancelDuringFineTuning: a cancel that arrives while the first fine-tuning epoch runs stops
// the run before that epoch ends.
func cancelDuringFineTuning(t *testing.T, d *smallDynamic) {
	plan := d.plan(t, func(s *wire.Settings) { s.FineTuneEpochs = 3 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var epochs []wire.Epoch
	fineTuning, yields := false, 0
	// The cancel arrives at the first yield once the head phase is over: as the page's cancel
	// message does in the worker, where the yield is the moment it can be delivered.
	yctx := WithYield(ctx, 0, func() {
		yields++
		if fineTuning {
			cancel()
		}
	})
	_, err := plan.Train(yctx, d.model, 1, func(e wire.Epoch) {
		epochs = append(epochs, e)
		fineTuning = e.Phase == "head" && e.PhaseEpoch == plan.Config.Epochs
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("train: %v, want cancelled", err)
	}
	for _, e := range epochs {
		if e.Phase != "head" {
			t.Errorf("a fine-tuning epoch (%+v) ended after the cancel", e)
		}
	}
	if len(epochs) != plan.Config.Epochs || yields == 0 {
		t.Errorf("%d epochs, %d yields", len(epochs), yields)
	}
}

// clearedInputsAreMissing: after "Clear cached block inputs", a dynamic run asks for every
// entry again, while a conservative one still finds every feature (last: it empties the cache).
func clearedInputsAreMissing(t *testing.T, d *smallDynamic) {
	freed, err := ClearCache(context.Background(), d.store, CacheInputs)
	if err != nil || freed.Entries != 8 || freed.Bytes != 8*int64(blockinput.EncodedBytes(14, 14, 1024)) {
		t.Fatalf("cleared %+v, %v", freed, err)
	}
	base, _ := app.HeadBase(d.s.Manifest(), d.req.Settings.Resize)
	plan, err := d.tr.Prepare(context.Background(), d.store, base, d.req)
	if err != nil || len(plan.Missing) != 4 {
		t.Errorf("dynamic after clearing: missing %v, %v", plan.Missing, err)
	}
	cons := d.req
	cons.Settings.Strategy = wire.StrategyConservative
	if plan, err = d.tr.Prepare(context.Background(), d.store, base, cons); err != nil || len(plan.Missing) != 0 {
		t.Errorf("conservative after clearing the block inputs: missing %v, %v", plan.Missing, err)
	}
}
