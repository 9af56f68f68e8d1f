// dense.go: the layer forward/backward pairs over flat row-major slices — Keras' Dense
// (keras/src/layers/core/dense.py: y = x·kernel + bias), ReLU, and inverted Dropout
// (keras/src/layers/regularization/dropout.py). Shapes: x [N,In], w [In,Out], b [Out], y [N,Out].
// The products are kernels.GemmF32 calls; the transposes a backward pass needs are of batch-sized
// matrices only ([N,In] and [N,Out]), never of a kernel.
package head

import "github.com/graftml/graft/core/kernels"

// denseForward writes y [N,Out] = x [N,In]·w [In,Out] + b [Out].
func denseForward(y, x, w, b []float32, n, in, out int) {
	kernels.GemmF32Fused(n, out, in, x, max(in, 1), w, out, y, out, false, kernels.Epilogue{Bias: b})
}

// denseScratch holds denseBackward's transposes; each buffer grows to N·max(In, Out).
type denseScratch struct{ xT, gyT, gxT []float32 }

func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// denseBackward takes gy [N,Out] = ∂L/∂y and writes
//
//	gw [In,Out] = xᵀ·gy,   gb [Out] = Σ_rows gy,   gx [N,In] = gy·wᵀ (skipped when gx is nil).
//
// gx is computed as (w·gyᵀ)ᵀ so that only batch-sized matrices are transposed.
func denseBackward(gx, gw, gb, gy, x, w []float32, n, in, out int, s *denseScratch) {
	s.xT = grow(s.xT, in*n)
	transpose(s.xT, x, n, in)
	kernels.GemmF32(in, out, n, s.xT, max(n, 1), gy, out, gw, out, false) // [In,N]·[N,Out]
	clear(gb)
	for i := range n {
		row := gy[i*out : (i+1)*out]
		for j, g := range row {
			gb[j] += g
		}
	}
	if gx == nil {
		return
	}
	s.gyT = grow(s.gyT, out*n)
	s.gxT = grow(s.gxT, in*n)
	transpose(s.gyT, gy, n, out)
	kernels.GemmF32(in, n, out, w, out, s.gyT, n, s.gxT, n, false) // [In,Out]·[Out,N]
	transpose(gx, s.gxT, in, n)
}

// transpose writes dst [cols,rows] = srcᵀ for src [rows,cols].
func transpose(dst, src []float32, rows, cols int) {
	for i := range rows {
		row := src[i*cols : (i+1)*cols]
		for j, v := range row {
			dst[j*rows+i] = v
		}
	}
}

// reluForward applies max(x, 0) in place.
func reluForward(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

// reluBackward turns g = ∂L/∂y into ∂L/∂x in place, given y = relu(x): the gradient passes
// where y > 0 (x > 0) and is 0 elsewhere (Keras' and TensorFlow's choice at x = 0).
func reluBackward(g, y []float32) {
	for i, v := range y {
		if v <= 0 {
			g[i] = 0
		}
	}
}

// dropoutForward writes y = x·mask, drawing mask: each element is kept with probability
// 1 − rate and then scaled by 1/(1 − rate), or dropped (0). rate is in [0, 1).
func dropoutForward(y, x, mask []float32, rate float64, r *rng) {
	scale := float32(1 / (1 - rate))
	for i, v := range x {
		m := float32(0)
		if r.float64() >= rate {
			m = scale
		}
		mask[i] = m
		y[i] = v * m
	}
}

// dropoutBackward writes gx = gy·mask, the mask of the forward pass.
func dropoutBackward(gx, gy, mask []float32) {
	for i, g := range gy {
		gx[i] = g * mask[i]
	}
}
