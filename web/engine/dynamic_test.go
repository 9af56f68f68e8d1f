// The dynamic strategy's browser path (dynamic.go, blockinput.go): the block-input keys, the
// settings mapped as graft train maps its flags, and
// the whole path — listing fed file by file, Session.ExtractWith into one store, Prepare
// (missing, then the block inputs loaded within the budget), Plan.Train — giving the model
// file and the conservative fallback `graft train --unfreeze` gives (train_dynamic.go) byte
// for byte, whatever the memory budget; then classifying with the fine-tuned model.
package engine

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/blockinput"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/web/wire"
)

func TestBlockInputKeys(t *testing.T) {
	k := blockinput.BlockInputKey(head.Base{ModelID: "m", Resize: "crop"}, "conv4_block5_out", "ab", dataset.ViewFlip)
	if !strings.HasPrefix(k, blockinput.BlockInputKeyVersion+"|") || k == FeatureKey(head.Base{ModelID: "m", Layer: "conv4_block5_out", Resize: "crop"}, "ab", dataset.ViewFlip) {
		t.Errorf("block-input key %q", k)
	}
	if InputEntryBytes("conv4_block5_out") != 14*14*1024+4*1024 {
		t.Errorf("conv4_block5_out: %d bytes a view", InputEntryBytes("conv4_block5_out"))
	}
}

// TestDynamicSettingsAreGraftTrainDefaults: the page's dynamic defaults are graft train's
// (--unfreeze 1, the finetune defaults), and they map as its flags do.
func TestDynamicSettingsAreGraftTrainDefaults(t *testing.T) {
	s := wire.DefaultSettings()
	if s.Strategy != wire.StrategyConservative {
		t.Errorf("default strategy %q", s.Strategy)
	}
	s.Strategy = wire.StrategyDynamic
	got, err := dynamicConfigOf(s)
	if err != nil {
		t.Fatal(err)
	}
	hc, _ := head.DefaultConfig(head.DefaultPreset)
	hc.Seed = 1
	want := finetune.DefaultConfig(hc)
	if !equalConfig(got.Head, want.Head) || got.Unfreeze != want.Unfreeze || got.FineTuneLR != want.FineTuneLR ||
		got.FineTuneEpochs != want.FineTuneEpochs || got.MemoryBudget != want.MemoryBudget {
		t.Errorf("the page's dynamic defaults give %+v, graft train --unfreeze 1's %+v", got, want)
	}
	s.Unfreeze, s.FineTuneLR, s.FineTuneEpochs, s.MemoryMB = 3, 2e-4, 7, 64
	if got, err = dynamicConfigOf(s); err != nil || got.Unfreeze != 3 || got.FineTuneLR != 2e-4 || got.FineTuneEpochs != 7 || got.MemoryBudget != 64<<20 {
		t.Errorf("mapped %+v, %v", got, err)
	}
	for _, bad := range []func(*wire.Settings){
		func(s *wire.Settings) { s.Unfreeze = 0 },
		func(s *wire.Settings) { s.FineTuneLR = 0 },
		func(s *wire.Settings) { s.FineTuneEpochs = 0 },
		func(s *wire.Settings) { s.MemoryMB = -1 },
	} {
		b := wire.DefaultSettings()
		b.Strategy = wire.StrategyDynamic
		bad(&b)
		if _, err := dynamicConfigOf(b); err == nil {
			t.Errorf("accepted %+v", b)
		}
	}
	p := &Plan{Base: head.Base{Layer: "conv4_block6_out"}}
	if err := p.setDynamic(wire.Settings{Strategy: "bold"}, NewMemFeatures()); err == nil {
		t.Error("an unknown strategy was accepted")
	}
	s = wire.DefaultSettings()
	s.Strategy, s.Unfreeze = wire.StrategyDynamic, 7
	if err := p.setDynamic(s, NewMemFeatures()); err == nil {
		t.Error("7 blocks ending at conv4_block6_out accepted")
	}
}

// nativeDynamic is graft train --unfreeze's path (core/cmd/graft/train_dynamic.go): the
// model file and the conservative head's.
func nativeDynamic(t *testing.T, model *resnet50.Model, base head.Base, dir string, cfg finetune.Config) (*finetune.Result, []byte, []byte) {
	t.Helper()
	listing, err := dataset.ListDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := blockinput.NewExtractor(model, base.Layer, cfg.Unfreeze, preprocess.ResizeMode(base.Resize))
	if err != nil {
		t.Fatal(err)
	}
	h, w, c := ex.InputShape()
	store := finetune.NewStore(cfg.MemoryBudget, h, w, c, nil)
	examples, err := ex.ExtractDir(context.Background(), dir, listing, dataset.TrainingViews(cfg.Head.Flip), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &finetune.Data{Head: &head.Data{Base: base, Classes: listing.Names(), Examples: examples}, Inputs: store}
	res, err := app.FineTune(context.Background(), cfg, model, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.FineTune, res.File, res.HeadFile
}

func TestDynamicTrainEqualsGraftTrainPath(t *testing.T) {
	s := loadedSession(t)
	dir := t.TempDir()
	writeFolder(t, dir, 2)
	settings := wire.DefaultSettings()
	// No validation split: the fine-tuning phase keeps its last epoch, so the model has a trunk
	// (core/finetune's tests cover the conservative head winning).
	settings.Head, settings.Epochs, settings.Seed, settings.Flip, settings.ValSplit = "linear", 3, 3, true, 0
	settings.Strategy, settings.FineTuneLR, settings.FineTuneEpochs = wire.StrategyDynamic, 1e-3, 2
	cfg, err := dynamicConfigOf(settings)
	if err != nil {
		t.Fatal(err)
	}
	base, err := app.HeadBase(s.Manifest(), settings.Resize)
	if err != nil {
		t.Fatal(err)
	}
	model, err := s.WaitModel(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, want, wantCons := nativeDynamic(t, model, base, dir, cfg)
	t.Logf("graft train --unfreeze 1: %s; best fine-tuning epoch %d", res.Model.Describe(), res.BestFineTuneEpoch)

	// The browser's path: files fed in reverse order, extraction per image into one store.
	tr, data := listReversed(dir)
	store := NewMemFeatures()
	req := wire.Train{Run: 1, Listing: 5, Settings: settings}
	extract := func(plan *Plan, entries []int) {
		t.Helper()
		for _, i := range entries {
			e := plan.Listing.Entries[i]
			got, err := s.ExtractWith(context.Background(), store, store, base, plan.Input, plan.Views, e.Hash, func() (Pixels, error) { return goPixels(data[e.Path]) })
			if err != nil || got.Hit || got.Computed != 2 {
				t.Fatalf("extract %s: %+v, %v", e.Path, got, err)
			}
		}
	}

	// Conservative features cached already (a conservative run before) are not enough.
	cons := req
	cons.Settings.Strategy = wire.StrategyConservative
	plan, err := tr.Prepare(context.Background(), store, base, cons)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range plan.Missing[:2] {
		e := plan.Listing.Entries[i]
		if _, err := s.Extract(context.Background(), store, base, plan.Views, e.Hash, func() (Pixels, error) { return goPixels(data[e.Path]) }); err != nil {
			t.Fatal(err)
		}
	}
	if plan, err = tr.Prepare(context.Background(), store, base, req); err != nil {
		t.Fatal(err)
	}
	m := plan.MissingMessage(1)
	if len(plan.Missing) != 4 || plan.Data != nil || plan.Input != "conv4_block5_out" || m.InputBytes != InputEntryBytes(plan.Input) {
		t.Fatalf("features of 2 entries but no block inputs: %d missing (want 4), message %+v", len(plan.Missing), m)
	}
	extract(plan, plan.Missing)

	for _, mb := range []int{512, 0} { // all held; all reloaded from the cache at each use
		req.Settings.MemoryMB = mb
		if plan, err = tr.Prepare(context.Background(), store, base, req); err != nil || len(plan.Missing) != 0 {
			t.Fatalf("after extraction: %v missing, %v", plan.Missing, err)
		}
		var epochs []wire.Epoch
		out, err := plan.Train(context.Background(), model, 1, func(e wire.Epoch) { epochs = append(epochs, e) })
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.File, want) {
			t.Errorf("budget %d MiB: the browser's path wrote a model file of %d bytes that differs from graft train --unfreeze's (%d bytes)", mb, len(out.File), len(want))
		}
		if got := out.FallbackFile; res.Model.Trunk != nil && !bytes.Equal(got, wantCons) {
			t.Errorf("budget %d MiB: the conservative fallback differs from graft train's .conservative (%d vs %d bytes)", mb, len(got), len(wantCons))
		}
		msg := out.Msg
		if len(epochs) != len(res.History) || msg.BestFineTuneEpoch != res.BestFineTuneEpoch || msg.Strategy != wire.StrategyDynamic ||
			msg.Describe != res.Model.Describe() || msg.Conservative == nil || msg.HeadEpochs != len(res.Conservative.History) ||
			msg.Inputs == nil || msg.Inputs.BudgetMB != mb {
			t.Errorf("trained message %+v", msg)
		}
		for i, e := range epochs {
			if e.Epoch != i+1 || e.Phase != res.History[i].Phase || e.PhaseEpoch != res.History[i].Epoch.Epoch {
				t.Errorf("epoch %d: %+v, core's %+v", i, e, res.History[i])
			}
		}
		in := msg.Inputs
		switch {
		case mb > 0 && (in.Held != 8 || in.Reloaded != 0 || in.Reloads != 0):
			t.Errorf("512 MiB: %+v, want all 8 held", in)
		case mb == 0 && (in.Held != 0 || in.Reloaded != 8 || in.Reloads == 0):
			t.Errorf("0 MiB: %+v, want all 8 reloaded", in)
		}
		if res.Model.Trunk == nil {
			t.Fatal("no validation split, yet the model has no fine-tuned trunk")
		}
		if mb == 0 {
			classifyFineTuned(t, s, model, out, data[plan.Listing.Entries[0].Path])
		}
	}

	// A damaged block input is a miss: Prepare asks for its entry again, and extraction redoes it.
	keys := store.BlockInputKeys()
	bad, _ := store.GetBlockInputs(context.Background(), keys[3:4])
	bad[0][len(bad[0])/2] ^= 1
	store.SetBlockInput(keys[3], bad[0])
	if plan, err = tr.Prepare(context.Background(), store, base, req); err != nil || len(plan.Missing) != 1 || plan.Data != nil {
		t.Fatalf("one damaged entry: missing %v, %v", plan.Missing, err)
	}
	extract(plan, plan.Missing)
	if plan, err = tr.Prepare(context.Background(), store, base, req); err != nil || len(plan.Missing) != 0 {
		t.Fatalf("after extracting it again: missing %v, %v", plan.Missing, err)
	}

	// The other endings (dynamic_fallback_test.go), on this folder, extracted now.
	d := &smallDynamic{s: s, model: model, tr: tr, store: store, req: req}
	t.Run("ConservativeHeadKept", func(t *testing.T) { conservativeHeadKept(t, d) })
	t.Run("CancelDuringFineTuning", func(t *testing.T) { cancelDuringFineTuning(t, d) })
	t.Run("ClearedInputsAreMissing", func(t *testing.T) { clearedInputsAreMissing(t, d) })
}

// classifyFineTuned: with the fine-tuned model active, a photo's head probabilities (one pass
// observing the stack's input layer, then Stack.Pooled) equal the model's own path through
// resnet50.Model.WithConvs (graft eval's); Save keeps the model and the conservative head.
func classifyFineTuned(t *testing.T, s *Session, model *resnet50.Model, out *Outcome, photo []byte) {
	t.Helper()
	m := out.Model
	if m.Trunk == nil {
		t.Log("fine-tuning did not beat the conservative head: the model is that head")
		return
	}
	shelf := NewShelf(&MemHeads{}, s.Manifest().Model.ID, m.Base.Layer)
	if err := shelf.SetTrained(m, out.File, out.Fallback, out.FallbackFile); err != nil {
		t.Fatal(err)
	}
	if layer, _, _ := shelf.ActiveInput(); layer != "conv4_block5_out" {
		t.Errorf("the fine-tuned model observes %s", layer)
	}
	px, err := goPixels(photo)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.ClassifyWithHead(context.Background(), px, preprocess.ResizeMode(m.Base.Resize), shelf, false)
	if err != nil || res.Head == nil || len(res.Top5) != TopK {
		t.Fatalf("classify: %+v, %v", res, err)
	}
	over, err := m.Trunk.Overrides()
	if err != nil {
		t.Fatal(err)
	}
	tuned, err := model.WithConvs(over)
	if err != nil {
		t.Fatal(err)
	}
	x, err := Input(px, preprocess.ResizeMode(m.Base.Resize))
	if err != nil {
		t.Fatal(err)
	}
	y, err := tuned.Run(x, m.Base.Layer, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Probabilities(ops.GlobalAvgPool(y).Data, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The stack's convs and the model's are different code over the same float32 weights.
	const tol = 1e-4
	for c, p := range res.Head.Classes {
		if math.Abs(float64(p.Prob-want[c])) > tol {
			t.Errorf("class %s: %g through the stack, %g through WithConvs", p.Name, p.Prob, want[c])
		}
	}
	// The other resize mode goes through a second pass, to the same layer; the map explains
	// that pass, over the fine-tuned blocks' output, and says which view it covers.
	if other, err := s.ClassifyWithHead(context.Background(), px, preprocess.Nearest, shelf, true); err != nil || other.Head == nil || other.Head.Note == "" {
		t.Errorf("classify nearest with a crop model: %+v, %v", other, err)
	} else if h := other.Head.Heat; h == nil || h.Resize != m.Base.Resize || h.H != 14 || h.W != 14 || len(h.Map) != 196 || h.Class != other.Head.Best {
		t.Errorf("the fine-tuned model's heat map: %+v", h)
	}
	if _, err := shelf.PredictFrom("conv4_block6_out", tensor.New(1, 14, 14, 1024), false); err == nil {
		t.Error("a fine-tuned model accepted its base layer's output")
	}
	id, err := shelf.Save(context.Background(), "pets", 1)
	if err != nil {
		t.Fatal(err)
	}
	list := shelf.List(context.Background())
	if len(list.Heads) != 2 || list.Active != id || list.Heads[0].Name != "pets" || list.Heads[1].Name != FallbackName("pets") ||
		list.Heads[0].Describe != m.Describe() || list.Heads[1].Describe != out.Fallback.Describe() {
		t.Errorf("saved %+v", list)
	}
	// Export → import of the version-2 file.
	file, _, err := shelf.Export(context.Background(), id)
	if err != nil || !bytes.Equal(file, out.File) {
		t.Fatalf("export: %d bytes, %v", len(file), err)
	}
	imported, err := shelf.Import(context.Background(), "pets.grafthead", file, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := shelf.Use(context.Background(), imported); err != nil {
		t.Fatal(err)
	}
	again, err := s.ClassifyWithHead(context.Background(), px, preprocess.ResizeMode(m.Base.Resize), shelf, false)
	if err != nil || again.Head == nil || again.Head.Classes[0].Prob != res.Head.Classes[0].Prob {
		t.Errorf("the imported model classifies %+v (was %+v), %v", again.Head, res.Head, err)
	}
}

// dynamicConfigOf is the fine-tune config app.ConfigOf gives settings of the dynamic strategy.
func dynamicConfigOf(s wire.Settings) (finetune.Config, error) {
	_, d, err := app.ConfigOf(s)
	if err != nil {
		return finetune.Config{}, err
	}
	if d == nil {
		return finetune.Config{}, fmt.Errorf("strategy %q gives no fine-tune config", s.Strategy)
	}
	return *d, nil
}
