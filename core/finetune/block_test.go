// block_test.go: the block's backward pass against central finite differences of its forward
// pass, on small blocks with random weights — an identity-shortcut block and a first-of-stage
// block (conv shortcut, stride 2) — for every parameter tensor and the input.
package finetune

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// smallBlock is a bottleneck of width f on cin input channels (identity shortcut needs cin = 4f).
func smallBlock(r *rand.Rand, cin, f, stride int, shortcut bool) *Block {
	mk := func(name string, k, s, ci, co int) *Conv {
		w := tensor.New(k, k, ci, co)
		for i := range w.Data {
			w.Data[i] = float32(r.NormFloat64() * math.Sqrt(2/float64(k*k*ci)))
		}
		b := make([]float32, co)
		for i := range b {
			b[i] = float32(r.NormFloat64() * 0.1)
		}
		return &Conv{Spec: resnet50.ConvSpec{Name: name, Kernel: k, Stride: s, Cin: ci, Cout: co}, Kernel: w, Bias: b}
	}
	idx := 2
	if shortcut {
		idx = 1
	}
	b := &Block{Info: resnet50.BlockInfo{Name: "t", Index: idx, Stage: resnet50.Stage{Stride: stride}},
		Conv1: mk("t_1_conv", 1, stride, cin, f), Conv2: mk("t_2_conv", 3, 1, f, f), C3: mk("t_3_conv", 1, 1, f, 4*f)}
	if shortcut {
		b.Shortcut = mk("t_0_conv", 1, stride, cin, 4*f)
	}
	return b
}

// blockLoss is Σ out·r in float64.
func blockLoss(t *testing.T, b *Block, x *tensor.Tensor, r []float32) float64 {
	out, _, err := b.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for i, v := range out.Data {
		s += float64(v) * float64(r[i])
	}
	return s
}

func TestBlockBackwardMatchesFiniteDifferences(t *testing.T) {
	for _, c := range []struct {
		name           string
		cin, f, stride int
		shortcut       bool
		n, h, w        int
	}{
		{"identity", 8, 2, 1, false, 2, 5, 4},
		{"conv shortcut stride 2", 6, 3, 2, true, 1, 7, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			b := smallBlock(rng, c.cin, c.f, c.stride, c.shortcut)
			x := tensor.New(c.n, c.h, c.w, c.cin)
			for i := range x.Data {
				x.Data[i] = float32(rng.Float64()) // ≥ 0, like a ReLU output
			}
			out, tape, err := b.Forward(x)
			if err != nil {
				t.Fatal(err)
			}
			r := make([]float32, len(out.Data))
			for i := range r {
				r[i] = float32(rng.NormFloat64())
			}
			dOut, _ := tensor.FromData(append([]float32(nil), r...), out.Shape...)
			grads, dx, err := b.Backward(tape, dOut, true)
			if err != nil {
				t.Fatal(err)
			}
			params := b.Params()
			names := []string{}
			for _, cv := range b.Convs() {
				names = append(names, cv.Spec.Name+" kernel", cv.Spec.Name+" bias")
			}
			params, names = append(params, x.Data), append(names, "input")
			grads = append(grads, dx.Data)
			// Central differences with h = 1e-2 in float32: the loss is piecewise quadratic
			// (ReLUs between convs), so the error is rounding (~1e-6·|L|/h) unless a ReLU
			// flips within ±h; points where it does are skipped by comparing two step sizes.
			const h = 1e-2
			worst := 0.0
			for pi, p := range params {
				g := grads[pi]
				maxG := 0.0
				for _, v := range g {
					maxG = max(maxG, math.Abs(float64(v)))
				}
				for k := 0; k < len(p); k += max(1, len(p)/40) {
					orig := p[k]
					fd := func(step float32) float64 {
						p[k] = orig + step
						lp := blockLoss(t, b, x, r)
						p[k] = orig - step
						lm := blockLoss(t, b, x, r)
						p[k] = orig
						return (lp - lm) / (2 * float64(step))
					}
					d1, d2 := fd(h), fd(h/2)
					if math.Abs(d1-d2) > 1e-3*(1+math.Abs(d1)) {
						continue // a ReLU kink within the step
					}
					e := math.Abs(d2-float64(g[k])) / (maxG + 1e-6)
					worst = max(worst, e)
					if e > 5e-3 {
						t.Errorf("%s[%d]: backward %g, finite difference %g (rel. to max |grad| %g: %.2g)", names[pi], k, g[k], d2, maxG, e)
					}
				}
			}
			t.Logf("worst |backward − finite difference| / max|grad| = %.2g", worst)
		})
	}
}

func TestStackBackwardChainsBlocks(t *testing.T) {
	// Two identity blocks: the stack's gradient for the first block equals finite differences
	// through both (the dx of block 2 feeds block 1).
	rng := rand.New(rand.NewPCG(3, 4))
	s := Stack{smallBlock(rng, 8, 2, 1, false), smallBlock(rng, 8, 2, 1, false)}
	x := tensor.New(1, 4, 4, 8)
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	out, tapes, err := s.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	pooledR := make([]float32, out.Shape[3])
	for i := range pooledR {
		pooledR[i] = float32(rng.NormFloat64())
	}
	gy, _ := tensor.FromData(append([]float32(nil), pooledR...), 1, out.Shape[3])
	dOut, err := ops.GlobalAvgPoolBackward(gy, out.Shape[1], out.Shape[2])
	if err != nil {
		t.Fatal(err)
	}
	grads, err := s.Backward(tapes, dOut)
	if err != nil {
		t.Fatal(err)
	}
	loss := func() float64 {
		p, err := s.Pooled(x)
		if err != nil {
			t.Fatal(err)
		}
		v := 0.0
		for i, f := range p.Data {
			v += float64(f) * float64(pooledR[i])
		}
		return v
	}
	w := s[0].Conv2.Kernel.Data
	g := grads[0][2] // block 1: conv1 kernel, conv1 bias, conv2 kernel …
	checked := 0
	for k := 0; k < len(w); k += 7 {
		orig := w[k]
		w[k] = orig + 1e-2
		lp := loss()
		w[k] = orig - 1e-2
		lm := loss()
		w[k] = orig
		fd := (lp - lm) / 2e-2
		if math.Abs(fd-float64(g[k])) > 2e-3*(1+math.Abs(fd)) {
			t.Errorf("block 1 conv2 kernel[%d]: backward %g, finite difference %g", k, g[k], fd)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("nothing checked")
	}
}
