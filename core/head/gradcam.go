// gradcam.go: why a head gave a photo its class — Grad-CAM (Selvaraju et al., "Grad-CAM:
// Visual Explanations from Deep Networks via Gradient-based Localization", ICCV 2017, eq. 1–2)
// on the feature map the head pools. With A [H,W,C] the map and y the class's score (its logit;
// for a sigmoid head +z for Classes[1] and −z for Classes[0]), α_k = (1/HW) Σ_ij ∂y/∂A_ijk and
// the map is ReLU(Σ_k α_k A_ijk). The head reads the global average pool f_k = (1/HW) Σ_ij A_ijk,
// so ∂y/∂A_ijk = (1/HW) ∂y/∂f_k for every (i,j): α_k = ∂y/∂f_k / HW, one backward pass through
// the dense layers for the pooled vector. core/reference.GradCAM computes the definition with
// GoMLX's automatic differentiation; the tests hold this to it.
package head

import (
	"fmt"
	"math"
)

// ScoreGradient is ∂y/∂x [F] for the class's score y on one pooled feature vector x [F]
// (the logit before any temperature: scaling does not move the map).
func (n *Net) ScoreGradient(x []float32, class int) ([]float32, error) {
	if len(x) != n.Features() {
		return nil, fmt.Errorf("head: %d features, the head reads %d", len(x), n.Features())
	}
	units := n.Layers[len(n.Layers)-1].Out
	classes := units
	if n.Output == Sigmoid {
		classes = 2
	}
	if class < 0 || class >= classes {
		return nil, fmt.Errorf("head: class %d of %d", class, classes)
	}
	// Forward, keeping each layer's input (float64: one row, clarity over speed).
	// Only the hidden layers' outputs are needed (their ReLU masks the gradient); the last
	// layer's is not, so a linear head (ImageNet's classifier) runs no forward pass at all.
	acts := [][]float64{to64s(x)}
	for _, d := range n.Layers[:len(n.Layers)-1] {
		in, out := acts[len(acts)-1], make([]float64, d.Out)
		for o := range out {
			out[o] = float64(d.Bias[o])
		}
		for p, v := range in { // row by row of the kernel: each out[o] still sums p in order
			row := d.Kernel[p*d.Out : (p+1)*d.Out]
			for o, w := range row {
				out[o] += v * float64(w)
			}
		}
		for o := range out {
			out[o] = math.Max(out[o], 0)
		}
		acts = append(acts, out)
	}
	// Backward from ∂y/∂z: one-hot, or ±1 on the sigmoid's single logit.
	g := make([]float64, units)
	switch {
	case n.Output == Sigmoid && class == 1:
		g[0] = 1
	case n.Output == Sigmoid:
		g[0] = -1
	default:
		g[class] = 1
	}
	for li := len(n.Layers) - 1; li >= 0; li-- {
		d := n.Layers[li]
		if li < len(n.Layers)-1 { // through the ReLU: its output is acts[li+1]
			for o := range g {
				if acts[li+1][o] <= 0 {
					g[o] = 0
				}
			}
		}
		gin := make([]float64, d.In)
		for p := range d.In {
			s := 0.0
			for o := range d.Out {
				s += float64(d.Kernel[p*d.Out+o]) * g[o]
			}
			gin[p] = s
		}
		g = gin
	}
	out := make([]float32, len(g))
	for i, v := range g {
		out[i] = float32(v)
	}
	return out, nil
}

// GradCAM is the class's map [H,W] over the feature map a [H,W,C] (C = the head's features)
// that the head pools: ReLU(Σ_k α_k A_ijk), not normalised (0 everywhere when nothing in the
// photo speaks for the class).
func (n *Net) GradCAM(a []float32, h, w, class int) ([]float32, error) {
	c := n.Features()
	if h < 1 || w < 1 || len(a) != h*w*c {
		return nil, fmt.Errorf("head: feature map of %d values for %d×%d×%d", len(a), h, w, c)
	}
	pooled := make([]float64, c)
	for p := range h * w {
		for k, v := range a[p*c : (p+1)*c] {
			pooled[k] += float64(v)
		}
	}
	f := make([]float32, c)
	for k := range f {
		f[k] = float32(pooled[k] / float64(h*w))
	}
	grad, err := n.ScoreGradient(f, class)
	if err != nil {
		return nil, err
	}
	cam := make([]float32, h*w)
	for p := range cam {
		s := 0.0
		for k, v := range a[p*c : (p+1)*c] {
			s += float64(grad[k]) * float64(v)
		}
		if s /= float64(h * w); s > 0 {
			cam[p] = float32(s)
		}
	}
	return cam, nil
}

func to64s(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
