// ref_test.go: the float64 twin of the head's forward and backward pass — one obvious loop per
// formula, math.Exp and math.Log — against which the float32 fast path and finite differences
// are checked.
package head

import "math"

type layer64 struct {
	in, out int
	w, b    []float64 // [In,Out], [Out]
}

func toLayers64(net *Net) []layer64 {
	var out []layer64
	for _, d := range net.Layers {
		l := layer64{in: d.In, out: d.Out, w: make([]float64, len(d.Kernel)), b: make([]float64, len(d.Bias))}
		for i, v := range d.Kernel {
			l.w[i] = float64(v)
		}
		for i, v := range d.Bias {
			l.b[i] = float64(v)
		}
		out = append(out, l)
	}
	return out
}

func to64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// lossRef is the mean loss of the head on x [N,F]; masks[l] ([N,Out_l] or nil) multiplies hidden
// layer l's ReLU output.
func lossRef(layers []layer64, out Output, x []float64, n int, labels []int, masks [][]float64) float64 {
	loss, _, _ := lossGradRef(layers, out, x, n, labels, masks)
	return loss
}

// lossGradRef returns the mean loss and its gradients with respect to each layer's w and b.
func lossGradRef(layers []layer64, out Output, x []float64, n int, labels []int, masks [][]float64) (float64, [][]float64, [][]float64) {
	L := len(layers)
	acts := [][]float64{x} // acts[l] = input of layer l
	zs := make([][]float64, L)
	for l, d := range layers {
		a := acts[l]
		z := make([]float64, n*d.out)
		for i := range n {
			for o := range d.out {
				s := d.b[o]
				for p := range d.in {
					s += a[i*d.in+p] * d.w[p*d.out+o]
				}
				z[i*d.out+o] = s
			}
		}
		zs[l] = z
		if l == L-1 {
			break
		}
		h := make([]float64, len(z))
		for i, v := range z {
			h[i] = math.Max(v, 0)
			if l < len(masks) && masks[l] != nil {
				h[i] *= masks[l][i]
			}
		}
		acts = append(acts, h)
	}
	z := zs[L-1]
	units := layers[L-1].out
	gz := make([]float64, len(z))
	loss := 0.0
	for i := range n {
		if out == Sigmoid {
			zi, y := z[i], float64(labels[i])
			loss += math.Max(zi, 0) - zi*y + math.Log1p(math.Exp(-math.Abs(zi)))
			gz[i] = (1/(1+math.Exp(-zi)) - y) / float64(n)
			continue
		}
		row := z[i*units : (i+1)*units]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, v)
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(v - m)
		}
		loss += m + math.Log(s) - row[labels[i]]
		for j, v := range row {
			p := math.Exp(v-m) / s
			if j == labels[i] {
				p--
			}
			gz[i*units+j] = p / float64(n)
		}
	}
	gw, gb := make([][]float64, L), make([][]float64, L)
	for l := L - 1; l >= 0; l-- {
		d, a := layers[l], acts[l]
		gw[l], gb[l] = make([]float64, d.in*d.out), make([]float64, d.out)
		for i := range n {
			for o := range d.out {
				g := gz[i*d.out+o]
				gb[l][o] += g
				for p := range d.in {
					gw[l][p*d.out+o] += a[i*d.in+p] * g
				}
			}
		}
		if l == 0 {
			break
		}
		ga := make([]float64, n*d.in) // ∂L/∂(input of l) = ∂L/∂(masked ReLU output of l−1)
		for i := range n {
			for p := range d.in {
				s := 0.0
				for o := range d.out {
					s += gz[i*d.out+o] * d.w[p*d.out+o]
				}
				ga[i*d.in+p] = s
			}
		}
		prev := zs[l-1]
		for i := range ga {
			if l-1 < len(masks) && masks[l-1] != nil {
				ga[i] *= masks[l-1][i]
			}
			if prev[i] <= 0 {
				ga[i] = 0
			}
		}
		gz = ga
	}
	return loss / float64(n), gw, gb
}
