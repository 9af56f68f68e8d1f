// train.go: the "dynamic" strategy of the Keras transfer-learning guide (RATIONALE.md):
// first the conservative phase — a new head on the frozen trunk's pooled features (head.Train,
// exactly what the conservative strategy produces, kept as the fallback) — then the
// fine-tuning phase: the head and the top blocks of the trunk trained together with Adam at a
// small learning rate, batch norm in inference mode. The fine-tuning phase starts from the
// conservative result and keeps, like EarlyStopping(restore_best_weights=True), the weights of
// its lowest validation loss — where epoch 0, the conservative head on the untouched blocks,
// competes too: a run whose fine-tuning never helps returns the conservative model and says so.
package finetune

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// Defaults of the fine-tuning phase. The learning rate is the Keras guide's 1e-5, 100× below
// the head's default 1e-3; the memory budget holds cats-vs-dogs' 1000 images with flips at
// conv4_block5_out (1800 inputs × 201 KiB ≈ 353 MiB).
const (
	DefaultUnfreeze       = 1
	DefaultFineTuneLR     = 1e-5
	DefaultFineTuneEpochs = 5
	DefaultMemoryBudget   = 512 << 20
)

// Config is a dynamic run's settings.
type Config struct {
	Head           head.Config // the conservative phase; also the split, seed, flip, batch size and patience of both
	Unfreeze       int         // top blocks to train, ending at the head's layer
	FineTuneLR     float64     // Adam's learning rate for head and blocks in the fine-tuning phase
	FineTuneEpochs int         // most epochs of the fine-tuning phase
	MemoryBudget   int64       // bytes of compact block inputs kept in memory; the rest are recomputed
}

// DefaultConfig is the dynamic strategy on top of head settings cfg.
func DefaultConfig(cfg head.Config) Config {
	return Config{Head: cfg, Unfreeze: DefaultUnfreeze, FineTuneLR: DefaultFineTuneLR, FineTuneEpochs: DefaultFineTuneEpochs, MemoryBudget: DefaultMemoryBudget}
}

// Validate checks the settings.
func (c *Config) Validate() error {
	if err := c.Head.Validate(); err != nil {
		return err
	}
	switch {
	case c.Unfreeze < 1:
		return fmt.Errorf("finetune: unfreeze %d blocks: want at least 1", c.Unfreeze)
	case math.IsNaN(c.FineTuneLR) || math.IsInf(c.FineTuneLR, 0) || c.FineTuneLR <= 0 || c.FineTuneLR > 1:
		return fmt.Errorf("finetune: fine-tuning learning rate %g: want a number in (0, 1] (the Keras guide uses 1e-5)", c.FineTuneLR)
	case c.FineTuneEpochs < 1 || c.FineTuneEpochs > head.MaxEpochs:
		return fmt.Errorf("finetune: %d fine-tuning epochs: want 1…%d", c.FineTuneEpochs, head.MaxEpochs)
	case c.MemoryBudget < 0:
		return fmt.Errorf("finetune: memory budget %d bytes", c.MemoryBudget)
	}
	return nil
}

// Data is a data set for a dynamic run: the pooled features of the head's layer (the
// conservative phase) and the first unfrozen block's inputs, both by example and view.
type Data struct {
	Head   *head.Data
	Inputs *Store
}

// Phases of a run, as an Epoch names them.
const (
	PhaseHead     = "head"      // the conservative phase: the head alone on frozen features
	PhaseFineTune = "fine-tune" // head and top blocks together
)

// Epoch is one line of the history of both phases; Epoch.Epoch counts within the phase.
type Epoch struct {
	head.Epoch
	Phase string `json:"phase"`
}

// Result is a finished dynamic run.
type Result struct {
	Conservative *head.Result // the conservative phase, whose head is the fallback
	Model        *head.Model  // the model to use: with Trunk when fine-tuning won, else the conservative head
	History      []Epoch      // both phases
	// BaselineValLoss is the conservative head's validation loss on the block inputs as
	// cached (epoch 0 of the fine-tuning phase); BestFineTuneEpoch the fine-tuning epoch whose
	// weights Model has, 0 when none beat it.
	BaselineValLoss   float64
	BestFineTuneEpoch int
	StoppedEarly      bool
	Validation        *head.Metrics // of Model on the validation split
}

// Train runs both phases. model supplies the blocks' starting weights; data.Inputs must hold
// (or be able to recompute) the input of blocks[0] for every training row and validation
// example. onEpoch sees each epoch of both phases.
func Train(ctx context.Context, cfg Config, model *resnet50.Model, data *Data, onEpoch func(Epoch)) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	infos, err := resnet50.TopBlocks(data.Head.Base.Layer, cfg.Unfreeze)
	if err != nil {
		return nil, err
	}
	stack, err := LoadBlocks(model, infos)
	if err != nil {
		return nil, err
	}
	if err := checkInputShape(data.Inputs, infos[0]); err != nil {
		return nil, err
	}
	res := &Result{}
	cons, err := head.Train(ctx, cfg.Head, data.Head, func(e head.Epoch) {
		ep := Epoch{e, PhaseHead}
		res.History = append(res.History, ep)
		if onEpoch != nil {
			onEpoch(ep)
		}
	})
	if err != nil {
		return nil, err
	}
	res.Conservative = cons
	tcfg := cfg.Head
	tcfg.LearningRate = cfg.FineTuneLR
	st, err := head.NewStepper(tcfg, &cons.Model.Net)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, stack: stack, step: st, in: data.Inputs, data: data.Head,
		adam: head.NewAdam(tcfg, stack.Params())}
	r.rows = trainRows(data.Head, cons.Train, cfg.Head.Flip)
	if len(cons.Val) > 0 {
		if res.BaselineValLoss, _, err = r.validate(ctx, cons.Val); err != nil {
			return nil, err
		}
	}
	bestLoss, bestStack, bestNet, wait := res.BaselineValLoss, Stack(nil), (*head.Net)(nil), 0
	for epoch := 1; epoch <= cfg.FineTuneEpochs; epoch++ {
		e, err := r.epoch(ctx)
		if err != nil {
			return nil, err
		}
		e.Epoch.Epoch = epoch
		if len(cons.Val) > 0 {
			l, c, err := r.validate(ctx, cons.Val)
			if err != nil {
				return nil, err
			}
			e.ValLoss, e.ValAccuracy = l, float64(c)/float64(len(cons.Val))
		}
		res.History = append(res.History, e)
		if onEpoch != nil {
			onEpoch(e)
		}
		switch {
		case len(cons.Val) == 0: // no validation: keep the last epoch
			bestStack, bestNet, res.BestFineTuneEpoch = r.stack, r.step.Net(), epoch
		case e.ValLoss < bestLoss:
			bestLoss, bestStack, bestNet, res.BestFineTuneEpoch, wait = e.ValLoss, r.stack.Clone(), r.step.Net().Clone(), epoch, 0
		default:
			wait++
		}
		if cfg.Head.Patience > 0 && wait >= cfg.Head.Patience && epoch < cfg.FineTuneEpochs {
			res.StoppedEarly = true
			break
		}
	}
	if bestStack == nil { // fine-tuning never beat the conservative head: keep it
		res.Model, res.Validation = cons.Model, cons.Validation
		return res, nil
	}
	return res, r.finish(ctx, res, bestStack, bestNet, cons)
}

func checkInputShape(s *Store, b resnet50.BlockInfo) error {
	c := resnet50.OutputChannels(b.Input)
	if s == nil || s.C != c || s.H < 1 || s.W < 1 {
		return fmt.Errorf("finetune: the block inputs must be %s activations (%d channels)", b.Input, c)
	}
	return nil
}

// runner holds the fine-tuning phase's state.
type runner struct {
	cfg   Config
	stack Stack
	step  *head.Stepper
	adam  *head.Adam
	in    *Store
	data  *head.Data
	rows  [][2]int // training rows: (example, view)
}

func trainRows(d *head.Data, idx []int, flip bool) [][2]int {
	var rows [][2]int
	for _, i := range idx {
		views := 1
		if flip {
			views = len(d.Examples[i].Views)
		}
		for v := range views {
			rows = append(rows, [2]int{i, v})
		}
	}
	return rows
}

// batchInput gathers the inputs of rows into one tensor [n,H,W,C].
func (r *runner) batchInput(ctx context.Context, rows [][2]int) (*tensor.Tensor, error) {
	s := r.in
	x := tensor.New(len(rows), s.H, s.W, s.C)
	per := s.H * s.W * s.C
	for i, row := range rows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.Input(ctx, row[0], row[1], x.Data[i*per:(i+1)*per]); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// epoch trains one pass over the shuffled training rows.
func (r *runner) epoch(ctx context.Context) (Epoch, error) {
	order := make([]int, len(r.rows))
	for i := range order {
		order[i] = i
	}
	r.step.Shuffle(order)
	bs := r.cfg.Head.BatchSize
	lossSum, right := 0.0, 0
	labels := make([]int, bs)
	for b0 := 0; b0 < len(order); b0 += bs {
		batch := order[b0:min(b0+bs, len(order))]
		rows := make([][2]int, len(batch))
		for i, k := range batch {
			rows[i] = r.rows[k]
			labels[i] = r.data.Examples[rows[i][0]].Label
		}
		x, err := r.batchInput(ctx, rows)
		if err != nil {
			return Epoch{}, err
		}
		out, tapes, err := r.stack.Forward(x)
		if err != nil {
			return Epoch{}, err
		}
		feats := ops.GlobalAvgPool(out) // [n,F]
		gf := make([]float32, len(feats.Data))
		l, c := r.step.Step(feats.Data, labels, len(rows), gf)
		lossSum, right = lossSum+l, right+c
		gfeat, err := tensor.FromData(gf, len(rows), out.Shape[3])
		if err != nil {
			return Epoch{}, err
		}
		dOut, err := ops.GlobalAvgPoolBackward(gfeat, out.Shape[1], out.Shape[2])
		if err != nil {
			return Epoch{}, err
		}
		grads, err := r.stack.Backward(tapes, dOut)
		if err != nil {
			return Epoch{}, err
		}
		var flat [][]float32
		for _, g := range grads {
			flat = append(flat, g...)
		}
		r.adam.Step(r.stack.Params(), flat)
	}
	n := float64(len(r.rows))
	e := Epoch{Epoch: head.Epoch{Loss: lossSum / n, Accuracy: float64(right) / n}, Phase: PhaseFineTune}
	if math.IsNaN(e.Loss) || math.IsInf(e.Loss, 0) {
		return e, fmt.Errorf("finetune: training diverged (loss %g): lower the fine-tuning learning rate", e.Loss)
	}
	return e, nil
}

// features computes the pooled features [len(idx),F] of the examples' original views through
// the stack as it is now.
func (r *runner) features(ctx context.Context, stack Stack, idx []int) ([]float32, error) {
	var out []float32
	bs := r.cfg.Head.BatchSize
	for b0 := 0; b0 < len(idx); b0 += bs {
		rows := make([][2]int, 0, bs)
		for _, i := range idx[b0:min(b0+bs, len(idx))] {
			rows = append(rows, [2]int{i, 0})
		}
		x, err := r.batchInput(ctx, rows)
		if err != nil {
			return nil, err
		}
		y, _, err := stack.Forward(x)
		if err != nil {
			return nil, err
		}
		out = append(out, ops.GlobalAvgPool(y).Data...)
	}
	return out, nil
}

// validate returns the mean validation loss and the count right of the current head and stack.
func (r *runner) validate(ctx context.Context, val []int) (float64, int, error) {
	x, err := r.features(ctx, r.stack, val)
	if err != nil {
		return 0, 0, err
	}
	labels := make([]int, len(val))
	for i, k := range val {
		labels[i] = r.data.Examples[k].Label
	}
	l, c := r.step.Net().Loss(x, labels, len(val))
	return l / float64(len(val)), c, nil
}

// finish builds the fine-tuned model from the best weights and scores it on the validation split.
func (r *runner) finish(ctx context.Context, res *Result, stack Stack, net *head.Net, cons *head.Result) error {
	m := &head.Model{Net: *net.Clone(), Classes: slices.Clone(cons.Model.Classes), Base: cons.Model.Base, Training: cons.Model.Training}
	m.Training.Hidden = slices.Clone(m.Training.Hidden)
	tr := &head.Trunk{Strategy: head.StrategyDynamic, FineTuneLR: r.cfg.FineTuneLR, FineTuneEpochs: r.cfg.FineTuneEpochs,
		HeadEpochs: len(cons.History), BestEpoch: res.BestFineTuneEpoch}
	for _, b := range stack {
		tr.Blocks = append(tr.Blocks, b.Info.Name)
		for _, c := range b.Convs() {
			tr.Layers = append(tr.Layers, head.TrunkLayer{Name: c.Spec.Name, Shape: slices.Clone(c.Kernel.Shape),
				Kernel: slices.Clone(c.Kernel.Data), Bias: slices.Clone(c.Bias)})
		}
	}
	m.Trunk = tr
	res.Model = m
	if len(cons.Val) == 0 {
		return nil
	}
	x, err := r.features(ctx, stack, cons.Val)
	if err != nil {
		return err
	}
	f := m.Features()
	ex := make([]head.Example, len(cons.Val))
	for i, k := range cons.Val {
		e := r.data.Examples[k]
		ex[i] = head.Example{Views: [][]float32{x[i*f : (i+1)*f]}, Label: e.Label, Name: e.Name}
	}
	met, err := m.Evaluate(ex)
	if err != nil {
		return err
	}
	for i := range met.Wrong {
		met.Wrong[i].Example = cons.Val[met.Wrong[i].Example]
	}
	res.Validation = met
	epochs := len(res.History) - len(cons.History)
	m.Metrics = met.Summary(epochs, res.BestFineTuneEpoch)
	return nil
}
