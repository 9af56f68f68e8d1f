// stepper.go: the head's training step for a caller that also trains layers below it — the
// "dynamic" strategy (core/finetune), Keras' fine-tuning phase where the unfrozen
// top of the base model and the head are fitted together. A Stepper continues from a trained
// Net with fresh Adam moments (Keras recompiles the model for the fine-tuning phase), and each
// step also returns ∂L/∂features so that the caller can carry the gradient into its layers.
// Adam is the same update (adam.go) for the caller's own parameters.
package head

import (
	"fmt"
	"slices"
)

// Streams of the fine-tuning phase's randomness (rng.go): its own shuffle and dropout.
const (
	streamTuneShuffle uint64 = 0x2545f4914f6cdd1d
	streamTuneDropout uint64 = 0x9fb21c651e98df25
)

// Stepper trains a copy of a Net one mini-batch at a time.
type Stepper struct {
	t       *trainer
	shuffle *rng
}

// NewStepper prepares to train a copy of net with cfg's learning rate, Adam settings, dropout
// and batch size (cfg.Hidden and cfg.Output must match net).
func NewStepper(cfg Config, net *Net) (*Stepper, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	hidden := make([]int, 0, len(net.Layers))
	for _, d := range net.Layers[:len(net.Layers)-1] {
		hidden = append(hidden, d.Out)
	}
	if !slices.Equal(hidden, cfg.Hidden) || net.Output != cfg.Output {
		return nil, fmt.Errorf("head: stepper settings (hidden %v, %s) disagree with the net (hidden %v, %s)", cfg.Hidden, cfg.Output, hidden, net.Output)
	}
	classes := net.Layers[len(net.Layers)-1].Out
	if net.Output == Sigmoid {
		classes = 2
	}
	t := newTrainer(cfg, net.Features(), classes)
	t.net = net.clone()
	t.dropout = newRNG(cfg.Seed, streamTuneDropout)
	t.ws.gin[0] = make([]float32, cfg.BatchSize*net.Features())
	return &Stepper{t: t, shuffle: newRNG(cfg.Seed, streamTuneShuffle)}, nil
}

// Step trains on x [n,F] with labels [n] (n ≤ the batch size): forward with dropout, the mean
// loss's gradient, ∂L/∂x into gx [n,F], then one Adam update of the head. It returns the
// batch's summed loss and how many rows it classified right, before the update.
func (s *Stepper) Step(x []float32, labels []int, n int, gx []float32) (lossSum float64, correct int) {
	t := s.t
	f := t.features
	if n < 1 || n > t.cfg.BatchSize || len(x) < n*f || len(labels) < n || len(gx) < n*f {
		panic(fmt.Sprintf("head: Stepper.Step of %d rows (batch %d): x %d, labels %d, gx %d", n, t.cfg.BatchSize, len(x), len(labels), len(gx)))
	}
	copy(t.ws.in[0], x[:n*f])
	copy(t.ws.labels, labels[:n])
	lossSum, correct = t.forwardBackward(n)
	copy(gx[:n*f], t.ws.gin[0][:n*f])
	t.update()
	return lossSum, correct
}

// Shuffle permutes order with the fine-tuning phase's own seeded stream.
func (s *Stepper) Shuffle(order []int) { s.shuffle.shuffle(order) }

// Net is the net as trained so far (shared: Clone it to keep a copy).
func (s *Stepper) Net() *Net { return s.t.net }

// SetNet replaces the trained net's weights with a copy of net's (restoring the best epoch).
func (s *Stepper) SetNet(net *Net) { s.t.net = net.clone() }

// Clone returns a deep copy of the net.
func (n *Net) Clone() *Net { return n.clone() }

// Loss runs the net on x [rows,F] and returns the summed cross-entropy against labels and how
// many rows it predicts right.
func (n *Net) Loss(x []float32, labels []int, rows int) (float64, int) {
	return n.lossSum(n.logits(x, rows), labels, rows)
}

// Adam is Keras' Adam (adam.go) over parameter slices of the caller's.
type Adam struct {
	cfg            Config
	m, v           [][]float32
	beta1t, beta2t float64
}

// NewAdam makes zero moments for params, with cfg's learning rate, β1, β2 and ε.
func NewAdam(cfg Config, params [][]float32) *Adam {
	a := &Adam{cfg: cfg, beta1t: 1, beta2t: 1}
	for _, p := range params {
		a.m = append(a.m, make([]float32, len(p)))
		a.v = append(a.v, make([]float32, len(p)))
	}
	return a
}

// Step applies one update to params from grads (the same slices, in the order NewAdam saw).
func (a *Adam) Step(params, grads [][]float32) {
	a.beta1t *= a.cfg.Beta1
	a.beta2t *= a.cfg.Beta2
	alpha := adamAlpha(a.cfg.LearningRate, a.beta1t, a.beta2t)
	c1, c2, eps := float32(1-a.cfg.Beta1), float32(1-a.cfg.Beta2), float32(a.cfg.Epsilon)
	for i, p := range params {
		adamStep(p, grads[i], a.m[i], a.v[i], alpha, c1, c2, eps)
	}
}
