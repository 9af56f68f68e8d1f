// conv2d_backward.go: the backward pass of Conv2D without its epilogue, y = conv(x, w) + bias
// (conv2d.go; the definition is conv2d_backward_ref.go's), and of the two other trunk ops a
// fine-tuned block needs, ReLU and GlobalAveragePooling2D. Conv2D's forward product
// Y[M, Cout] = P[M, K]·W[K, Cout] (M = N*OH*OW, K = KH*KW*Cin, P the patch matrix) gives
//
//	dW[K, Cout] = Pᵀ·dY,   dP[M, K] = dY·Wᵀ,   dx = col2im(dP),   db = Σ_rows dY
//
// (the adjoint of a matrix product; col2im is the adjoint of im2col: each patch entry is added
// back to the input pixel it came from, padding entries dropped). Both products run on
// kernels.GemmF32 (the SIMD128 kernel in the wasm build), which takes no transposes, so Wᵀ is
// formed once per call and Pᵀ once per row block (kernels.TransposeF32). M is processed in row
// blocks bounded by im2colBudget as in Conv2D, dW accumulating across blocks. For a 1x1 stride-1
// conv P is x and dx = dY·Wᵀ directly; for a 1x1 strided one P is the subsampling of x.
//
// Cost of the O(M·K) steps (im2col, the transposes, col2im, db) against the O(M·K·Cout) GEMMs
// (BenchmarkConv2DBackward, batch 8, dx and dw; impl=lowering is the fast path without its GEMMs;
// ms/op). Native, pure Go: 2 shared, loaded cores (best of runs):
//
//	shape                         native fast  lowering  share   Ref
//	1x1 1024→256 s1 [8,14,14]         147         7.2      5%    1447
//	3x3 256→256 same [8,14,14]        329        13.5      4%    2943
//	1x1 1024→512 s2 →[8,7,7]           78         4.6      6%     739
//
// Natively that is noise, so they stay serial Go loops. Under wasm, as Go loops, they were ~20%
// of the time (17–23% in the first measurement); the transpose, col2im, and the ReLU mask and
// column sums of the elementwise steps are now kernels of the SIMD module (wasm/gen
// transpose_f32, col2im_f32, relu_mask_f32, col_sum_f32, bit-identical to the Go loops), and a
// 1x1 stride-1 conv no longer allocates a patch buffer it does not use. Node 20, one thread, 4
// iterations, before/after builds alternated, two runs each (ranges), load average 1.2–1.7 on the
// 2 vCPUs:
//
//	                              SIMD128                                relaxed SIMD
//	shape                         fast              lowering            fast              lowering
//	1x1 1024→256 s1 [8,14,14]     82–85 → 68–71     17–18 → 9.5–13      63–65 → 54–56     9.8–11 → 4.5–9.9
//	3x3 256→256 same [8,14,14]    155–161 → 131–135 30–32 → 6.6–7.2     120–126 → 96–103  27–28 → 6.1–9.2
//	1x1 1024→512 s2 →[8,7,7]      35–36 → 31        6.5–7.2 → 3.3–3.7   27 → 24           5.6–7.4 → 3.4–5.6
//
// (SIMD128 lowering share after: 13–19%, 5%, 11%.) What is left of it is mostly allocation: each
// call allocates dx, Pᵀ and Wᵀ (~11 MB for the 1x1 s1 shape), which Go's wasm runtime zeroes and
// collects, plus im2col. A fine-tuning step (core/finetune BenchmarkFineTuneStep: batch 32
// through conv4_block6, forward, head, backward, Adam) took 1587–1632 → 1399–1420 ms with
// SIMD128 and 1265–1267 → 1083–1084 ms with relaxed SIMD in the same runs (1634–1683 → 1499–1513
// ms SIMD128 in an earlier pair at load 3.4–3.8).
package ops

import (
	"fmt"

	"github.com/graftml/graft/core/kernels"
	"github.com/graftml/graft/core/tensor"
)

// newConvBackwardGeometry validates the operands of Conv2DBackward / Conv2DBackwardRef: x and w
// as for Conv2D, and dy [N,OH,OW,Cout] for the output they give.
func newConvBackwardGeometry(op string, x, w, dy *tensor.Tensor, sh, sw int, pad Padding) (convGeometry, error) {
	if w == nil {
		return convGeometry{}, fmt.Errorf("%s: kernel is nil", op)
	}
	g, err := newConvGeometry(x, F32Weights(w), nil, sh, sw, pad, nil)
	if err != nil {
		return g, fmt.Errorf("%s: %w", op, err)
	}
	if err := tensor.CheckShape(op+" dy", dy, g.n, g.oh, g.ow, g.cout); err != nil {
		return g, fmt.Errorf("%w (input %s, kernel %s, strides %dx%d, %v padding)", err,
			tensor.ShapeString(x.Shape), tensor.ShapeString(w.Shape), sh, sw, pad)
	}
	return g, nil
}

// Conv2DBackward is the gradient of y = conv(x, w) + bias (Conv2D's semantics, NHWC, kernel
// [KH,KW,Cin,Cout], TensorFlow 'same'/'valid' padding exactly as Conv2D/WindowOutputSize) with
// respect to x, w and bias, given dy = ∂L/∂y [N,OH,OW,Cout]. dx [N,H,W,Cin] is computed only
// when needDx (nil otherwise); dw has w's shape; db is [Cout]. Activation/residual are not part
// of it (the caller applies ReLU's mask to dy first).
func Conv2DBackward(x, w, dy *tensor.Tensor, strideH, strideW int, pad Padding, needDx bool) (dx, dw *tensor.Tensor, db []float32, err error) {
	g, err := newConvBackwardGeometry("Conv2DBackward", x, w, dy, strideH, strideW, pad)
	if err != nil {
		return nil, nil, nil, err
	}
	m, k := g.outPixels(), g.patchLen()
	if needDx {
		dx = tensor.New(x.Shape...) // [N,H,W,Cin]
	}
	dw = tensor.New(w.Shape...) // [KH,KW,Cin,Cout] = [K, Cout]
	db = biasGrad(dy.Data, m, g.cout)
	if m == 0 || k == 0 || g.cout == 0 {
		return dx, dw, db, nil
	}
	var wT []float32 // [Cout, K]
	if needDx {
		wT = make([]float32, g.cout*k)
		kernels.TransposeF32(k, g.cout, w.Data, g.cout, wT, k)
	}
	rowsPerBlock := min(m, max(im2colMinRows, im2colBudget/k))
	var patches []float32 // [rows, K]: P's block, then dP's (a 1x1 stride-1 conv reads x and writes dx)
	if !g.noPatches() {
		patches = make([]float32, rowsPerBlock*k)
	}
	pT := make([]float32, k*rowsPerBlock) // [K, rows]
	for r0 := 0; r0 < m; r0 += rowsPerBlock {
		rows := min(rowsPerBlock, m-r0)
		dyBlock := dy.Data[r0*g.cout:] // [rows, Cout]
		var p []float32                // [rows, K], leading dimension K
		if g.noPatches() {
			p = x.Data[r0*k:]
		} else {
			im2colBlock(g, x.Data, r0, rows, patches)
			p = patches
		}
		kernels.TransposeF32(rows, k, p, k, pT, rows)
		kernels.GemmF32(k, g.cout, rows, pT, rows, dyBlock, g.cout, dw.Data, g.cout, r0 > 0)
		if !needDx {
			continue
		}
		if g.noPatches() { // dx rows are dP rows
			kernels.GemmF32(rows, k, g.cout, dyBlock, g.cout, wT, k, dx.Data[r0*k:], k, false)
			continue
		}
		kernels.GemmF32(rows, k, g.cout, dyBlock, g.cout, wT, k, patches, k, false)
		col2imBlock(g, patches, r0, rows, dx.Data)
	}
	return dx, dw, db, nil
}

// biasGrad sums dy [M, Cout] over its rows (float64 accumulators, kernels.ColSumF64, then
// rounded once).
func biasGrad(dy []float32, m, cout int) []float32 {
	sum := make([]float64, cout)
	kernels.ColSumF64(m, cout, dy, cout, sum)
	db := make([]float32, cout)
	round(db, sum)
	return db
}

// col2imBlock adds patch rows r0 … r0+rows−1 of dP [rows × KH*KW*Cin] into dx [N,H,W,Cin], one
// kernels.Col2imF32 call per image the block touches.
func col2imBlock(g convGeometry, dp []float32, r0, rows int, dx []float32) {
	perImage, k, img := g.oh*g.ow, g.patchLen(), g.h*g.w*g.cin
	for done := 0; done < rows; {
		pix := r0 + done
		n, p := pix/perImage, pix%perImage
		np := min(rows-done, perImage-p)
		kernels.Col2imF32(dx[n*img:(n+1)*img], g.h, g.w, g.cin, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.ow,
			dp[done*k:(done+np)*k], p, np)
		done += np
	}
}

// ReLUBackward masks dy by the ReLU's output y, in place: dy[i] = 0 where y[i] <= 0 (the
// derivative of max(0, v), taken as 0 at v = 0 as TensorFlow does). Shapes must be equal.
func ReLUBackward(dy, y *tensor.Tensor) error {
	if dy == nil || y == nil || !tensor.SameShape(dy.Shape, y.Shape) || len(dy.Data) != len(y.Data) {
		return fmt.Errorf("ReLUBackward: dy %v and y %v must have the same shape", dy, y)
	}
	kernels.ReLUMaskF32(dy.Data, y.Data)
	return nil
}

// GlobalAvgPoolBackward is the gradient of GlobalAvgPool over an h×w input: every pixel of
// dx [N,h,w,C] gets dy[n,c]/(h·w) for dy [N,C].
func GlobalAvgPoolBackward(dy *tensor.Tensor, h, w int) (*tensor.Tensor, error) {
	if err := tensor.CheckShape("GlobalAvgPoolBackward dy", dy, -1, -1); err != nil {
		return nil, err
	}
	if h < 1 || w < 1 {
		return nil, fmt.Errorf("GlobalAvgPoolBackward: input size %dx%d has no pixels (dy %s)", h, w, tensor.ShapeString(dy.Shape))
	}
	n, c := dy.Shape[0], dy.Shape[1]
	dx := tensor.New(n, h, w, c) // [N,H,W,C]
	inv := 1 / float64(h*w)
	scaled := make([]float32, c) // [C]
	for b := range n {
		for i, v := range dy.Data[b*c : (b+1)*c] {
			scaled[i] = float32(float64(v) * inv)
		}
		for p := range h * w {
			copy(dx.Data[(b*h*w+p)*c:], scaled)
		}
	}
	return dx, nil
}
