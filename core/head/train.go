// train.go: the training loop — stratified split, seeded shuffling into mini-batches, forward,
// loss, backward and Adam per batch, validation after every epoch, early stopping on the
// validation loss with the best weights restored (Keras' model.fit with
// EarlyStopping(monitor="val_loss", patience, restore_best_weights=True)).
package head

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Example is one image's features.
type Example struct {
	Views [][]float32 // [V][F]: Views[0] the image as it is, then augmented views (its horizontal flip)
	Label int         // class index
	Name  string      // how to show it (a path); used in the list of wrong predictions
}

// Data is a labelled set of feature vectors.
type Data struct {
	Base     Base
	Classes  []string
	Examples []Example
}

// Check reports whether the data can be trained on.
func (d *Data) Check() error {
	if err := d.Base.Check(); err != nil {
		return err
	}
	if err := CheckClasses(d.Classes); err != nil {
		return fmt.Errorf("head: %w", err)
	}
	counts := make([]int, len(d.Classes))
	for i, e := range d.Examples {
		if e.Label < 0 || e.Label >= len(d.Classes) {
			return fmt.Errorf("head: example %d (%s): label %d, there are %d classes", i, e.Name, e.Label, len(d.Classes))
		}
		if len(e.Views) == 0 {
			return fmt.Errorf("head: example %d (%s) has no features", i, e.Name)
		}
		for _, v := range e.Views {
			if len(v) != d.Base.Features {
				return fmt.Errorf("head: example %d (%s): %d features, %s has %d", i, e.Name, len(v), d.Base.Layer, d.Base.Features)
			}
			if !allFinite(v) {
				return fmt.Errorf("head: example %d (%s): features are not all finite", i, e.Name)
			}
		}
		counts[e.Label]++
	}
	for c, n := range counts {
		if n == 0 {
			return fmt.Errorf("head: class %q has no examples; every class needs at least one", d.Classes[c])
		}
	}
	return nil
}

// Epoch is one line of the training history. Loss and accuracy are over the epoch's training
// batches as they were computed (dropout on), like Keras' fit logs; the validation numbers are
// 0 when there is no validation set.
type Epoch struct {
	Epoch       int     `json:"epoch"` // from 1
	Loss        float64 `json:"loss"`
	Accuracy    float64 `json:"accuracy"`
	ValLoss     float64 `json:"val_loss"`
	ValAccuracy float64 `json:"val_accuracy"`
}

// Result is a finished training run.
type Result struct {
	Model        *Model   // with the weights of BestEpoch
	History      []Epoch  // one per epoch run
	BestEpoch    int      // lowest validation loss (the last epoch without validation)
	StoppedEarly bool     // patience ran out before Epochs
	Train, Val   []int    // the split: indices into Data.Examples
	Validation   *Metrics // of Model on Val; nil when Val is empty
}

// Train trains a head on data with cfg. onEpoch, when not nil, sees each epoch as it ends (a
// page draws its curves from it). ctx is checked between batches; cancelling it stops the run
// with ctx's error.
func Train(ctx context.Context, cfg Config, data *Data, onEpoch func(Epoch)) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := data.Check(); err != nil {
		return nil, err
	}
	if cfg.Output == Sigmoid && len(data.Classes) != 2 {
		return nil, fmt.Errorf("head: the sigmoid output is for two classes, there are %d (use softmax)", len(data.Classes))
	}
	labels := make([]int, len(data.Examples))
	for i, e := range data.Examples {
		labels[i] = e.Label
	}
	trainIdx, valIdx := StratifiedSplit(labels, len(data.Classes), cfg.ValSplit, cfg.Seed)
	var rows []sampleRef // the training rows: (example, view) pairs
	for _, i := range trainIdx {
		views := 1
		if cfg.Flip {
			views = len(data.Examples[i].Views)
		}
		for v := range views {
			rows = append(rows, sampleRef{i, v})
		}
	}
	t := newTrainer(cfg, data.Base.Features, len(data.Classes))
	val := gatherValidation(data.Examples, valIdx, data.Base.Features)
	shuffle := newRNG(cfg.Seed, streamShuffle)
	order := make([]int, len(rows))
	res := &Result{Train: trainIdx, Val: valIdx}
	best, bestLoss, wait := t.net, math.Inf(1), 0
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		for i := range order {
			order[i] = i
		}
		shuffle.shuffle(order)
		lossSum, right := 0.0, 0
		for b0 := 0; b0 < len(order); b0 += cfg.BatchSize {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			batch := order[b0:min(b0+cfg.BatchSize, len(order))]
			for r, k := range batch {
				ref := rows[k]
				copy(t.ws.in[0][r*t.features:], data.Examples[ref.example].Views[ref.view])
				t.ws.labels[r] = data.Examples[ref.example].Label
			}
			l, c := t.step(len(batch))
			lossSum += l
			right += c
		}
		ep := Epoch{Epoch: epoch, Loss: lossSum / float64(len(rows)), Accuracy: float64(right) / float64(len(rows))}
		if math.IsNaN(ep.Loss) || math.IsInf(ep.Loss, 0) {
			return nil, fmt.Errorf("head: training diverged (loss %g in epoch %d): lower the learning rate", ep.Loss, epoch)
		}
		if val.rows > 0 {
			z := t.net.logits(val.x, val.rows)
			l, c := t.net.lossSum(z, val.labels, val.rows)
			ep.ValLoss, ep.ValAccuracy = l/float64(val.rows), float64(c)/float64(val.rows)
		}
		res.History = append(res.History, ep)
		if onEpoch != nil {
			onEpoch(ep)
		}
		switch {
		case val.rows == 0:
			res.BestEpoch = epoch
		case ep.ValLoss < bestLoss:
			best, bestLoss, wait, res.BestEpoch = t.net.clone(), ep.ValLoss, 0, epoch
		default:
			wait++
		}
		if cfg.Patience > 0 && wait >= cfg.Patience && epoch < cfg.Epochs {
			res.StoppedEarly = true
			break
		}
	}
	if val.rows == 0 {
		best = t.net
	}
	res.Model = &Model{Net: *best, Classes: slices.Clone(data.Classes), Base: data.Base, Training: cfg}
	res.Model.Training.Hidden = slices.Clone(cfg.Hidden)
	if len(valIdx) > 0 {
		ex := make([]Example, len(valIdx))
		for i, k := range valIdx {
			ex[i] = data.Examples[k]
		}
		met, err := res.Model.Evaluate(ex)
		if err != nil {
			return nil, err
		}
		for i := range met.Wrong { // name examples by their index in data, not in the val subset
			met.Wrong[i].Example = valIdx[met.Wrong[i].Example]
		}
		res.Validation = met
		res.Model.Metrics = met.Summary(len(res.History), res.BestEpoch)
	}
	return res, nil
}

// sampleRef names one training row: a view of an example.
type sampleRef struct{ example, view int }

// validationSet is the validation examples' original views gathered once: x [N,F], labels [N].
type validationSet struct {
	x      []float32
	labels []int
	rows   int
}

func gatherValidation(examples []Example, idx []int, f int) validationSet {
	v := validationSet{x: make([]float32, len(idx)*f), labels: make([]int, len(idx)), rows: len(idx)}
	for r, i := range idx {
		copy(v.x[r*f:], examples[i].Views[0])
		v.labels[r] = examples[i].Label
	}
	return v
}
