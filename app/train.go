// train.go: training a head on extracted features, both strategies, as `graft train` and the
// browser's model worker both run it: the conservative strategy is head.Train on the frozen
// trunk's features; the dynamic one is finetune.Train (the same head first, then head and top
// blocks together, the conservative head kept when fine-tuning does not win). Either way the
// result comes with its head file (app/headfile) and one history whose epochs are numbered
// across both phases.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// Epoch is one finished epoch of a run.
type Epoch struct {
	head.Epoch         // Epoch.Epoch counts within the phase
	Phase       string // finetune.PhaseHead or finetune.PhaseFineTune
	PhaseEpochs int    // the most epochs this phase runs
	Run         int    // this epoch's number in the whole run, from 1
	Planned     int    // the most epochs the run can still have in all: it shrinks when the head phase stops early
	Elapsed     time.Duration
}

// Trained is a finished run: the model to use and its file, and the conservative head (the
// head phase's result) with its file, which is the same model when the run was conservative
// or fine-tuning did not win.
type Trained struct {
	Model            *head.Model
	File             []byte
	Head             *head.Result     // the conservative head's training
	HeadFile         []byte           // its file
	FineTune         *finetune.Result // nil for the conservative strategy
	Validation       *head.Metrics    // Model's on the validation split (nil without one)
	History          []Epoch
	BestEpoch        int // Run of the epoch whose weights Model has
	StoppedEarly     bool
	Elapsed          time.Duration
	ConservativeWins bool // a dynamic run kept the conservative head
}

// Fallback is the conservative head and its file when Model is a fine-tuned one (kept beside it
// so a user can compare), else nil: then Model is that head.
func (t *Trained) Fallback() (*head.Model, []byte) {
	if t.Model.Trunk == nil {
		return nil, nil
	}
	return t.Head.Model, t.HeadFile
}

// TrainHead trains a head on d with cfg (the conservative strategy). onEpoch, when not nil,
// sees each epoch as it ends; ctx stops the run between batches.
func TrainHead(ctx context.Context, cfg head.Config, d *head.Data, onEpoch func(Epoch)) (*Trained, error) {
	start := time.Now()
	t := &Trained{}
	res, err := head.Train(ctx, cfg, d, func(e head.Epoch) {
		t.add(Epoch{Epoch: e, Phase: finetune.PhaseHead, PhaseEpochs: cfg.Epochs, Planned: cfg.Epochs, Elapsed: time.Since(start)}, onEpoch)
	})
	if err != nil {
		return nil, err
	}
	if err := calibrate(res.Model, d, res, nil); err != nil {
		return nil, err
	}
	t.Elapsed = time.Since(start)
	t.Model, t.Head, t.Validation, t.BestEpoch, t.StoppedEarly = res.Model, res, res.Validation, res.BestEpoch, res.StoppedEarly
	if t.File, err = headfile.Marshal(res.Model); err != nil {
		return nil, err
	}
	t.HeadFile = t.File
	return t, nil
}

// FineTune runs the dynamic strategy: model supplies the top blocks' starting weights, d.Inputs
// the first unfrozen block's input for every example and view.
func FineTune(ctx context.Context, cfg finetune.Config, model *resnet50.Model, d *finetune.Data, onEpoch func(Epoch)) (*Trained, error) {
	if model == nil {
		return nil, errors.New("app: the dynamic strategy needs the base model")
	}
	start := time.Now()
	t := &Trained{}
	headEpochs := 0
	res, err := finetune.Train(ctx, cfg, model, d, func(e finetune.Epoch) {
		we := Epoch{Epoch: e.Epoch, Phase: e.Phase, Elapsed: time.Since(start)}
		if e.Phase == finetune.PhaseHead {
			headEpochs = e.Epoch.Epoch
			we.PhaseEpochs, we.Planned = cfg.Head.Epochs, cfg.Head.Epochs+cfg.FineTuneEpochs
		} else {
			we.PhaseEpochs, we.Planned = cfg.FineTuneEpochs, headEpochs+cfg.FineTuneEpochs
		}
		t.add(we, onEpoch)
	})
	if err != nil {
		return nil, err
	}
	cons := res.Conservative
	if err := calibrate(cons.Model, d.Head, cons, nil); err != nil {
		return nil, err
	}
	if res.Model.Trunk != nil {
		pooled, err := fineTunedFeatures(ctx, res.Model, d.Inputs, len(d.Head.Examples))
		if err != nil {
			return nil, err
		}
		if err := calibrate(res.Model, d.Head, cons, pooled); err != nil {
			return nil, err
		}
	}
	t.Elapsed = time.Since(start)
	t.Model, t.Head, t.FineTune, t.Validation, t.StoppedEarly = res.Model, cons, res, res.Validation, res.StoppedEarly
	t.BestEpoch, t.ConservativeWins = cons.BestEpoch, res.BestFineTuneEpoch == 0
	if !t.ConservativeWins {
		t.BestEpoch = len(cons.History) + res.BestFineTuneEpoch
	}
	if t.HeadFile, err = headfile.Marshal(cons.Model); err != nil {
		return nil, err
	}
	t.File = t.HeadFile
	if res.Model.Trunk != nil {
		if t.File, err = headfile.Marshal(res.Model); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// add numbers e within the run, keeps it and passes it on.
func (t *Trained) add(e Epoch, onEpoch func(Epoch)) {
	e.Run = len(t.History) + 1
	t.History = append(t.History, e)
	if onEpoch != nil {
		onEpoch(e)
	}
}

// calibrate gives m its open set and temperature (head.Model.Calibrate) on the split of res:
// the features of d's examples, or for a fine-tuned model pooled (its own, by example).
func calibrate(m *head.Model, d *head.Data, res *head.Result, pooled [][]float32) error {
	labels := make([]int, len(d.Examples))
	for i, e := range d.Examples {
		labels[i] = e.Label
	}
	features := func(i int) []float32 { return d.Examples[i].Views[0] }
	if pooled != nil {
		features = func(i int) []float32 { return pooled[i] }
	}
	return m.Calibrate(features, labels, res.Train, res.Val)
}

// fineTunedFeatures runs m's fine-tuned blocks on each example's block input (the photo as it
// is) and pools them: the features the fine-tuned model's head reads, [examples][F].
func fineTunedFeatures(ctx context.Context, m *head.Model, inputs *finetune.Store, examples int) ([][]float32, error) {
	stack, err := finetune.StackOf(m)
	if err != nil {
		return nil, err
	}
	x := tensor.New(1, inputs.H, inputs.W, inputs.C)
	out := make([][]float32, examples)
	for i := range out {
		if err := inputs.Input(ctx, i, 0, x.Data); err != nil {
			return nil, err
		}
		f, err := stack.Pooled(x)
		if err != nil {
			return nil, err
		}
		out[i] = f.Data
	}
	return out, nil
}
