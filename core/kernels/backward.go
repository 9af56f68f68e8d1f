// backward.go: the two elementwise passes of a convolution block's backward pass that are not
// the convolution's lowering: ReLU's mask (core/ops.ReLUBackward) and the bias gradient's column
// sums (db = Σ_rows dY, core/ops.Conv2DBackward). The wasm build runs the generated module's
// relu_mask_f32 and col_sum_f32 (dispatch_wasm.go), natively and with -tags purego the Go loops
// below (dispatch_go.go); they agree bit for bit (a mask moves bits; the sums are float64 with
// the same terms in the same order).
package kernels

import "fmt"

// ReLUMaskF32 sets dy[i] = 0 wherever !(y[i] > 0) (the derivative of max(0, v), 0 at v = 0 as
// TensorFlow takes it; NaN passes no gradient). len(dy) must equal len(y).
func ReLUMaskF32(dy, y []float32) {
	if len(dy) != len(y) {
		panic(fmt.Sprintf("kernels.ReLUMaskF32: len(dy)=%d len(y)=%d differ", len(dy), len(y)))
	}
	if len(dy) == 0 {
		return
	}
	reluMaskF32(dy, y)
}

// reluMaskF32Ref is ReLUMaskF32's Go loop (the purego path, and the tests' reference).
func reluMaskF32Ref(dy, y []float32) {
	dy = dy[:len(y)]
	for i, v := range y {
		if !(v > 0) {
			dy[i] = 0
		}
	}
}

// ColSumF64 adds the column sums of src [m × n] (leading dimension lds) to sum [n] in float64:
// sum[j] += float64(src[i*lds + j]), rows in order.
func ColSumF64(m, n int, src []float32, lds int, sum []float64) {
	empty := m == 0 || n == 0
	if m < 0 || n < 0 || len(sum) < n || !empty && (lds < n || len(src) < matrixLen(m, n, lds)) {
		panic(fmt.Sprintf("kernels.ColSumF64(m=%d, n=%d, lds=%d): len(src)=%d len(sum)=%d inconsistent", m, n, lds, len(src), len(sum)))
	}
	if empty {
		return
	}
	colSumF64(m, n, src, lds, sum)
}

// colSumF64Ref is ColSumF64's Go loop (the purego path, and the tests' reference).
func colSumF64Ref(m, n int, src []float32, lds int, sum []float64) {
	sum = sum[:n]
	for i := range m {
		for j, v := range src[i*lds : i*lds+n] {
			sum[j] += float64(v)
		}
	}
}
