// grad_test.go: the head's gradients three ways — the float64 twin against central finite
// differences, the float32 fast path against the twin, and the fast path against GoMLX's
// autodiff (core/reference.HeadGradients) on the same head, batch and dropout masks.
package head

import (
	"math"
	"testing"

	"github.com/graftml/graft/core/reference"
)

const (
	// fdStep is the central-difference step: with float64 and losses O(1), truncation error
	// (∝ h²) and cancellation (∝ 1e-16/h) are both ~1e-10 at h = 1e-5.
	fdStep = 1e-5
	// fdTol bounds |analytic − numeric| / max(1, |analytic|) for the float64 twin: 1e-6 is
	// 10⁴× the expected ~1e-10 error, and far below what a wrong term (O(0.01–1)) gives.
	fdTol = 1e-6
	// fastTol bounds the float32 fast path against the float64 twin, relative to the largest
	// gradient of the tensor: float32 sums of ≤ 40 products round at ~1e-7 relative each; 1e-4
	// leaves room for cancellation while a missed term or wrong index is O(1).
	fastTol = 1e-4
	// gomlxTol is the same bound against GoMLX, which computes in float32 with its own
	// summation order and its own exp/log.
	gomlxTol = 1e-4
)

// gradCase is a small head with awkward sizes and a filled batch.
type gradCase struct {
	name     string
	features int
	hidden   []int
	classes  int
	out      Output
	dropout  float64
	rows     int
}

var gradCases = []gradCase{
	{"linear-softmax", 7, nil, 3, Softmax, 0, 5},
	{"linear-sigmoid", 9, nil, 2, Sigmoid, 0, 6},
	{"mlp-softmax", 17, []int{13}, 4, Softmax, 0, 11},
	{"mlp-dropout-softmax", 17, []int{33}, 3, Softmax, 0.5, 9},
	{"deep-dropout-sigmoid", 11, []int{7, 5, 3}, 2, Sigmoid, 0.3, 13},
	{"deep-softmax", 31, []int{17, 9}, 5, Softmax, 0, 33},
}

// setup builds a trainer for c with a batch of random features and labels in its buffers,
// runs forwardBackward, and returns it with the batch and masks in float64 and the mean loss
// forwardBackward reported.
func (c gradCase) setup(t *testing.T) (*trainer, []float64, []int, [][]float64, float64) {
	t.Helper()
	cfg, _ := DefaultConfig("linear")
	cfg.Hidden, cfg.Output, cfg.Dropout, cfg.BatchSize, cfg.Seed = c.hidden, c.out, c.dropout, c.rows, 7
	tr := newTrainer(cfg, c.features, c.classes)
	r := newRNG(99, 1)
	for i := range tr.ws.in[0][:c.rows*c.features] {
		tr.ws.in[0][i] = float32(4*r.float64() - 2)
	}
	for i := range c.rows {
		tr.ws.labels[i] = i % c.classes
	}
	// random biases too, so that the biases' gradients are not those of the zero init
	for _, d := range tr.net.Layers {
		for i := range d.Bias {
			d.Bias[i] = float32(r.float64() - 0.5)
		}
	}
	x := to64(tr.ws.in[0][:c.rows*c.features])
	lossSum, _ := tr.forwardBackward(c.rows)
	var masks [][]float64
	for l := range tr.net.Layers {
		if tr.ws.mask[l] != nil {
			masks = append(masks, to64(tr.ws.mask[l][:c.rows*tr.net.Layers[l].Out]))
		} else {
			masks = append(masks, nil)
		}
	}
	return tr, x, tr.ws.labels[:c.rows], masks, lossSum / float64(c.rows)
}

func TestGradientsFiniteDifferences(t *testing.T) {
	for _, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			tr, x, labels, masks, _ := c.setup(t)
			layers := toLayers64(tr.net)
			_, gw, gb := lossGradRef(layers, c.out, x, c.rows, labels, masks)
			worst := 0.0
			for l := range layers {
				for _, p := range []struct {
					name string
					v, g []float64
				}{{"kernel", layers[l].w, gw[l]}, {"bias", layers[l].b, gb[l]}} {
					for i := range p.v {
						orig := p.v[i]
						p.v[i] = orig + fdStep
						up := lossRef(layers, c.out, x, c.rows, labels, masks)
						p.v[i] = orig - fdStep
						down := lossRef(layers, c.out, x, c.rows, labels, masks)
						p.v[i] = orig
						num := (up - down) / (2 * fdStep)
						e := math.Abs(num-p.g[i]) / math.Max(1, math.Abs(p.g[i]))
						worst = math.Max(worst, e)
						if e > fdTol {
							t.Fatalf("layer %d %s[%d]: analytic %.10g, finite difference %.10g", l, p.name, i, p.g[i], num)
						}
					}
				}
			}
			t.Logf("worst relative difference %.3g", worst)
		})
	}
}

// compareGrads checks got (float32) against want per tensor, relative to want's largest entry,
// and logs the worst such ratio.
func compareGrads(t *testing.T, what string, tol float64, got []Dense, wantW, wantB [][]float32) {
	t.Helper()
	worst := 0.0
	defer func() { t.Logf("%s: worst max|diff|/max|ref| over tensors %.3g", what, worst) }()
	for l := range got {
		for _, p := range []struct {
			name      string
			got, want []float32
		}{{"kernel", got[l].Kernel, wantW[l]}, {"bias", got[l].Bias, wantB[l]}} {
			maxRef, maxDiff := 0.0, 0.0
			for i := range p.want {
				maxRef = math.Max(maxRef, math.Abs(float64(p.want[i])))
				maxDiff = math.Max(maxDiff, math.Abs(float64(p.got[i]-p.want[i])))
			}
			worst = math.Max(worst, maxDiff/math.Max(maxRef, 1e-3))
			if maxDiff > tol*math.Max(maxRef, 1e-3) {
				t.Errorf("%s: layer %d %s: max |diff| %.3g, max |ref| %.3g", what, l, p.name, maxDiff, maxRef)
			}
		}
	}
}

func to32s(v [][]float64) [][]float32 {
	out := make([][]float32, len(v))
	for i, s := range v {
		out[i] = make([]float32, len(s))
		for j, x := range s {
			out[i][j] = float32(x)
		}
	}
	return out
}

func TestGradientsFastMatchFloat64Twin(t *testing.T) {
	for _, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			tr, x, labels, masks, gotLoss := c.setup(t)
			wantLoss, gw, gb := lossGradRef(toLayers64(tr.net), c.out, x, c.rows, labels, masks)
			compareGrads(t, "fast vs float64", fastTol, tr.grad, to32s(gw), to32s(gb))
			if math.Abs(gotLoss-wantLoss) > fastTol*math.Max(1, wantLoss) {
				t.Errorf("loss %.8g, float64 twin %.8g", gotLoss, wantLoss)
			}
		})
	}
}

func TestGradientsMatchGoMLX(t *testing.T) {
	for _, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			tr, x, labels, masks, _ := c.setup(t)
			var layers []reference.DenseLayer
			for _, d := range tr.net.Layers {
				layers = append(layers, reference.DenseLayer{In: d.In, Out: d.Out, Kernel: d.Kernel, Bias: d.Bias})
			}
			var masks32 [][]float32
			for _, m := range masks {
				if m == nil {
					masks32 = append(masks32, nil)
					continue
				}
				masks32 = append(masks32, to32s([][]float64{m})[0])
			}
			x32 := to32s([][]float64{x})[0]
			loss, grads, err := reference.HeadGradients(layers, string(c.out), x32, c.rows, labels, masks32)
			if err != nil {
				t.Fatal(err)
			}
			var gw, gb [][]float32
			for _, g := range grads {
				gw, gb = append(gw, g.Kernel), append(gb, g.Bias)
			}
			compareGrads(t, "fast vs GoMLX", gomlxTol, tr.grad, gw, gb)
			wantLoss := lossRef(toLayers64(tr.net), c.out, x, c.rows, labels, masks)
			if math.Abs(float64(loss)-wantLoss) > gomlxTol*math.Max(1, wantLoss) {
				t.Errorf("GoMLX loss %.8g, float64 twin %.8g", loss, wantLoss)
			}
			t.Logf("GoMLX loss %.6g", loss)
		})
	}
}
