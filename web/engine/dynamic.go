// dynamic.go: the dynamic strategy in the browser — the browser's side of
// `graft train --unfreeze N` (core/cmd/graft/train_dynamic.go), on the same core code: the
// page's settings map to finetune.Config as graft train maps its flags, one trunk pass per
// image (blockinput.Extractor.Run) gives the pooled features (the feature cache, same keys as
// the conservative strategy) and the first unfrozen block's input (compact, blockinput.go),
// and finetune.Train runs both phases. Block inputs are loaded into a finetune.Store up to the
// memory budget, in the order graft train puts them (example by example, view by view); the
// rest are read again from the on-disk cache at each use instead of being held.
package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/graftml/graft/app"

	"github.com/graftml/graft/app/blockinput"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/web/wire"
	"github.com/graftml/graft/weights/format"
)

// InputLayerOf is the layer feeding the first of the unfreeze blocks that end at layer.
func InputLayerOf(layer string, unfreeze int) (string, error) {
	b, err := resnet50.TopBlocks(layer, unfreeze)
	if err != nil {
		return "", err
	}
	return b[0].Input, nil
}

// HeadBlocks is what the page shows of the dynamic strategy's bounds for model m: the layer a
// head trained here reads (app.HeadBase's), how many blocks can be fine-tuned below it (the block
// index of that layer within its stage: resnet50.TopBlocks' limit), and what one view of the
// first unfrozen block's input takes when n are (inputBytes[n-1]).
func HeadBlocks(m *format.Manifest) (layer string, maxUnfreeze int, inputBytes []int64, err error) {
	b, err := app.HeadBase(m, string(preprocess.DefaultResize))
	if err != nil {
		return "", 0, nil, err
	}
	top, err := resnet50.TopBlocks(b.Layer, 1)
	if err != nil {
		return "", 0, nil, err
	}
	maxUnfreeze = top[0].Index
	for n := 1; n <= maxUnfreeze; n++ {
		in, err := InputLayerOf(b.Layer, n)
		if err != nil {
			return "", 0, nil, err
		}
		inputBytes = append(inputBytes, InputEntryBytes(in))
	}
	return b.Layer, maxUnfreeze, inputBytes, nil
}

// InputEntryBytes is what one view of input takes, compact.
func InputEntryBytes(input string) int64 { return finetune.CompactBytes(blockinput.InputShape(input)) }

// setDynamic fills the plan's dynamic part from the settings (nothing for conservative).
func (p *Plan) setDynamic(s wire.Settings, store FeatureStore) error {
	_, d, err := app.ConfigOf(s)
	if err != nil || d == nil {
		return err
	}
	if p.Input, err = InputLayerOf(p.Base.Layer, d.Unfreeze); err != nil {
		return err
	}
	in, ok := store.(BlockInputStore)
	if !ok {
		return fmt.Errorf("engine: the feature store keeps no block inputs")
	}
	p.Dynamic, p.inputs = d, in
	return nil
}

// loadBatch is how many entries' block inputs one cache read asks for (a few MiB).
const loadBatch = 16

// loadInputs reads every entry's block inputs: a missing or damaged one marks the entry
// missing; while none is, each goes into the store (kept within the budget, else marked to be
// read again at each use).
func (p *Plan) loadInputs(ctx context.Context, entries []dataset.Entry, missing []bool) error {
	h, w, c := blockinput.InputShape(p.Input)
	store := finetune.NewStore(p.Dynamic.MemoryBudget, h, w, c, nil)
	p.inputKeys = make([][]string, len(entries))
	for i, e := range entries {
		for _, v := range p.Views {
			p.inputKeys[i] = append(p.inputKeys[i], blockinput.BlockInputKey(p.Base, p.Input, e.Hash, v))
		}
	}
	complete := !contains(missing, true)
	for b0 := 0; b0 < len(entries); b0 += loadBatch {
		var keys []string
		for _, k := range p.inputKeys[b0:min(b0+loadBatch, len(entries))] {
			keys = append(keys, k...)
		}
		vals, err := p.inputs.GetBlockInputs(ctx, keys)
		if err != nil {
			return fmt.Errorf("reading the block-input cache: %w", err)
		}
		if len(vals) != len(keys) {
			return fmt.Errorf("the block-input cache answered %d of %d keys", len(vals), len(keys))
		}
		for j, val := range vals {
			i, v := b0+j/len(p.Views), j%len(p.Views)
			q, err := blockinput.DecodeCompact(val)
			if err != nil || !q.HasShape(h, w, c) {
				missing[i], complete = true, false
				continue
			}
			if complete {
				if _, err := store.PutCompact(i, v, q); err != nil {
					return err
				}
			}
		}
	}
	store.Recompute = p.reload
	p.Inputs = store
	return nil
}

func contains(b []bool, x bool) bool {
	for _, v := range b {
		if v == x {
			return true
		}
	}
	return false
}

// reload reads a block input that did not fit the budget again from the cache (a Store's
// Recompute: the entry is the example's, since a complete plan's examples are its entries).
func (p *Plan) reload(ctx context.Context, example, view int) ([]float32, error) {
	vals, err := p.inputs.GetBlockInputs(ctx, []string{p.inputKeys[example][view]})
	if err != nil {
		return nil, fmt.Errorf("reading the block-input cache: %w", err)
	}
	if len(vals) != 1 || vals[0] == nil {
		return nil, fmt.Errorf("the block input of %s left the cache during training (cleared in another tab?): train again", p.Listing.Entries[example].Path)
	}
	q, err := blockinput.DecodeCompact(vals[0])
	if err != nil {
		return nil, fmt.Errorf("the cached block input of %s: %w: train again to recompute it", p.Listing.Entries[example].Path, err)
	}
	return q.Values(), nil
}

// trainDynamic runs the dynamic strategy (app.FineTune) on a complete plan.
func (p *Plan) trainDynamic(ctx context.Context, model *resnet50.Model, run int, onEpoch func(wire.Epoch)) (*Outcome, error) {
	if model == nil {
		return nil, fmt.Errorf("engine: the dynamic strategy needs the model")
	}
	cfg := *p.Dynamic
	_, kept, spilled := p.Inputs.Used()
	res, err := app.FineTune(ctx, cfg, model, &finetune.Data{Head: p.Data, Inputs: p.Inputs}, epochSender(run, onEpoch))
	if err != nil {
		return nil, err
	}
	cons := res.Head
	out := &Outcome{Model: res.Model, File: res.File}
	out.Fallback, out.FallbackFile = res.Fallback()
	used, _, _ := p.Inputs.Used()
	msg := &wire.Trained{Run: run, Classes: res.Model.Classes, History: historyMessage(run, res.History), BestEpoch: res.BestEpoch,
		StoppedEarly: res.StoppedEarly, TrainImages: len(cons.Train), ValImages: len(cons.Val),
		Head: InfoOf(res.Model, 0, "", 0, len(res.File)), LoadMs: p.LoadMs, TrainMs: ms(res.Elapsed),
		Strategy: wire.StrategyDynamic, Describe: res.Model.Describe(), BestFineTuneEpoch: res.FineTune.BestFineTuneEpoch,
		HeadEpochs: len(cons.History), Validation: metricsMessage(res.Validation),
		Conservative: &wire.Phase{ValAccuracy: -1, BestEpoch: cons.BestEpoch, Head: InfoOf(cons.Model, 0, "", 0, len(res.HeadFile))},
		Inputs: &wire.InputStats{Layer: p.Input, EntryBytes: p.Inputs.EntryBytes(), BudgetMB: int(cfg.MemoryBudget >> 20),
			Held: kept, Reloaded: spilled, HeldBytes: used, Reloads: p.Inputs.Recomputes}}
	if v := cons.Validation; v != nil {
		msg.Conservative.ValAccuracy, msg.Conservative.ValLoss = v.Accuracy, finite(v.Loss)
	}
	out.Msg = msg
	return out, nil
}

// ExtractWith is Extract that, with input set (the dynamic strategy), also caches input's
// activations of every view in inputs — from the same trunk pass as the features
// (blockinput.Extractor.Run, what graft train --unfreeze runs). An image whose features and
// block inputs are all cached and intact is a hit and is not decoded.
func (s *Session) ExtractWith(ctx context.Context, store FeatureStore, inputs BlockInputStore, b head.Base, input string,
	views []dataset.View, hash string, decode func() (Pixels, error)) (Extracted, error) {
	if input == "" {
		return s.Extract(ctx, store, b, views, hash, decode)
	}
	var out Extracted
	mode, err := s.checkExtract(b)
	if err != nil {
		return out, err
	}
	if inputs == nil {
		return out, fmt.Errorf("engine: no block-input store")
	}
	if ok, err := validInput(b.Layer, input); !ok {
		return out, err
	}
	fkeys, ikeys := make([]string, len(views)), make([]string, len(views))
	for i, v := range views {
		fkeys[i], ikeys[i] = FeatureKey(b, hash, v), blockinput.BlockInputKey(b, input, hash, v)
	}
	cached, err := store.GetFeatures(ctx, fkeys)
	if err != nil {
		return out, fmt.Errorf("reading the feature cache: %w", err)
	}
	cachedIn, err := inputs.GetBlockInputs(ctx, ikeys)
	if err != nil {
		return out, fmt.Errorf("reading the block-input cache: %w", err)
	}
	h, w, c := blockinput.InputShape(input)
	out.Hit = len(cached) == len(views) && len(cachedIn) == len(views)
	for i := range views {
		if !out.Hit {
			break
		}
		q, err := blockinput.DecodeCompact(cachedIn[i])
		out.Hit = len(cached[i]) == b.Features && err == nil && q.HasShape(h, w, c)
	}
	if out.Hit {
		return out, nil
	}
	x, model, err := s.prepare(ctx, &out, decode, mode, b.Layer)
	if err != nil {
		return out, err
	}
	t := time.Now()
	ex := &blockinput.Extractor{Model: model, Layer: b.Layer, Input: input, Resize: mode}
	feats, ins, err := ex.Run(x.Data, views)
	if err != nil {
		return out, err
	}
	enc := make([][]byte, len(ins))
	for i, in := range ins {
		q, err := finetune.Compress(in, h, w, c)
		if err != nil {
			return out, err
		}
		enc[i] = blockinput.EncodeCompact(q)
	}
	if err := store.PutFeatures(ctx, fkeys, feats); err != nil {
		return out, err
	}
	if err := inputs.PutBlockInputs(ctx, ikeys, enc); err != nil {
		return out, fmt.Errorf("the block inputs could not be cached (%d KiB a view): %w", len(enc[0])>>10, err)
	}
	out.Computed = len(views)
	out.ModelMs = ms(time.Since(t))
	return out, nil
}

// validInput reports whether input feeds one of the blocks ending at layer.
func validInput(layer, input string) (bool, error) {
	for n := 1; ; n++ {
		in, err := InputLayerOf(layer, n)
		if err != nil {
			return false, fmt.Errorf("engine: %s is not the input of the top blocks ending at %s", input, layer)
		}
		if in == input {
			return true, nil
		}
	}
}

// Activation is layer's output [1,H,W,C] for px prepared with mode (a separate pass, for a
// head whose resize mode is not the photo's).
func (s *Session) Activation(ctx context.Context, px Pixels, mode preprocess.ResizeMode, layer string) (*tensor.Tensor, error) {
	x, err := Input(px, mode)
	if err != nil {
		return nil, err
	}
	model, err := s.WaitModel(ctx)
	if err != nil {
		return nil, err
	}
	return model.Run(x, layer, nil)
}

// ClassifyWithHead classifies px and, with a head active on shelf, adds its class
// probabilities: from the same forward pass when the head was trained on this resize mode
// (observing its input layer: the base layer, or a fine-tuned model's first block input),
// else from a second pass prepared the head's way. With explain, the result carries the
// ImageNet top-1's Grad-CAM map (Result.Heat) and the head's answer the map of its best class
// over the same activation (Shelf.PredictFrom).
func (s *Session) ClassifyWithHead(ctx context.Context, px Pixels, mode preprocess.ResizeMode, shelf *Shelf, explain bool) (*wire.Result, error) {
	layer, resize, ok := "", "", false
	if shelf != nil {
		layer, resize, ok = shelf.ActiveInput()
	}
	if !ok {
		res, _, err := s.ClassifyExplaining(ctx, px, mode, "", explain)
		return res, err
	}
	observe := ""
	if resize == string(mode) {
		observe = layer
	}
	res, x, err := s.ClassifyExplaining(ctx, px, mode, observe, explain)
	if err != nil {
		return nil, err
	}
	note, headMode := "", mode
	if x == nil {
		headMode, _ = preprocess.ParseResizeMode(resize)
		if x, err = s.Activation(ctx, px, headMode, layer); err != nil {
			return nil, err
		}
		note = "this head was trained on " + resize + "-resized photos; it saw this one that way"
	}
	if res.Head, err = shelf.PredictFrom(layer, x, explain); err != nil {
		return nil, err
	}
	if res.Head != nil && res.Head.Heat != nil {
		res.Head.Heat.Resize = string(headMode)
	}
	if res.Head != nil {
		res.Head.Note = note
	}
	return res, nil
}
