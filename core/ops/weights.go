// weights.go: the kernel of a Conv2D or Dense layer, held either as float32 values or as int8
// codes with one float32 scale per out channel — the int8 scheme of weights/quant (and
// weights/FORMAT.md §Quantization): value[i, k] = float32(code[i, k])·scale[k]. Int8 kernels stay
// int8 in memory (a quarter of the float32 bytes); the GEMM dequantizes each block of them as it
// packs it (kernels.GemmF32I8Fused), so a layer computes bit for bit what it computes on the
// dequantized float32 kernel.
//
// Shapes: conv [KH, KW, Cin, K], dense [In, K]; K = out channels, always the last axis.
package ops

import (
	"fmt"
	"math"

	"github.com/graftml/graft/core/kernels"
	"github.com/graftml/graft/core/tensor"
)

// Weights is one layer's kernel. Exactly one form is set: F32, or Q8 with Scales. Build it with
// F32Weights or Int8Weights; the zero value holds no kernel and every op refuses it.
type Weights struct {
	Shape  []int          // [KH,KW,Cin,K] or [In,K]
	F32    *tensor.Tensor // float32 kernel of shape Shape, or nil
	Q8     []int8         // int8 codes, row-major with Shape, or nil
	Scales []float32      // [K] with Q8: value = float32(Q8[i])·Scales[i%K]
}

// F32Weights wraps a float32 kernel (not copied; nil gives Weights that every op refuses).
func F32Weights(t *tensor.Tensor) Weights {
	if t == nil {
		return Weights{}
	}
	return Weights{Shape: t.Shape, F32: t}
}

// Int8Weights wraps int8 codes (not copied) and their per-out-channel scales, after checking
// that they fit shape (last axis K = len(scales)).
func Int8Weights(shape []int, q []int8, scales []float32) (Weights, error) {
	if q == nil {
		q = []int8{}
	}
	w := Weights{Shape: append([]int(nil), shape...), Q8: q, Scales: scales}
	if err := w.check("int8 kernel"); err != nil {
		return Weights{}, err
	}
	return w, nil
}

// Int8 reports whether the kernel is held as int8 codes.
func (w Weights) Int8() bool { return w.Q8 != nil }

// Bytes is the memory the kernel's values take (codes and scales for int8).
func (w Weights) Bytes() int {
	if w.Int8() {
		return len(w.Q8) + 4*len(w.Scales)
	}
	if w.F32 == nil {
		return 0
	}
	return 4 * len(w.F32.Data)
}

// Float32 is the kernel as float32: F32 itself, or a new tensor of the dequantized codes
// (float32(q)·scale, the values GemmF32I8Fused multiplies by).
func (w Weights) Float32() (*tensor.Tensor, error) {
	if err := w.check("kernel"); err != nil {
		return nil, err
	}
	if !w.Int8() {
		return w.F32, nil
	}
	t := tensor.New(w.Shape...)
	k := len(w.Scales)
	for i, q := range w.Q8 {
		t.Data[i] = float32(q) * w.Scales[i%k]
	}
	return t, nil
}

// check validates the form, the data length and the scales; what names the kernel in errors.
func (w Weights) check(what string) error {
	switch {
	case w.F32 == nil && w.Q8 == nil:
		return fmt.Errorf("%s: no weights (nil kernel)", what)
	case w.F32 != nil && w.Q8 != nil:
		return fmt.Errorf("%s: both float32 and int8 weights set", what)
	case w.F32 != nil:
		if !tensor.SameShape(w.Shape, w.F32.Shape) {
			return fmt.Errorf("%s: Shape %s but float32 tensor %s", what, tensor.ShapeString(w.Shape), tensor.ShapeString(w.F32.Shape))
		}
		return tensor.CheckShape(what, w.F32, w.F32.Shape...)
	}
	if len(w.Shape) == 0 {
		return fmt.Errorf("%s: int8 weights need a shape", what)
	}
	n := 1
	for _, d := range w.Shape {
		if d < 0 || d > 0 && n > math.MaxInt32/d { // tensor's own limit on elements
			return fmt.Errorf("%s: implausible shape %s", what, tensor.ShapeString(w.Shape))
		}
		n *= d
	}
	if len(w.Q8) != n {
		return fmt.Errorf("%s: shape %s needs %d int8 codes, have %d", what, tensor.ShapeString(w.Shape), n, len(w.Q8))
	}
	if k := w.Shape[len(w.Shape)-1]; len(w.Scales) != k {
		return fmt.Errorf("%s: shape %s has K=%d out channels but %d scales", what, tensor.ShapeString(w.Shape), k, len(w.Scales))
	}
	return nil
}

// checkShape is tensor.CheckShape for either form: the kernel's shape against want (−1 = any).
func (w Weights) checkShape(what string, want ...int) error {
	if err := w.check(what); err != nil {
		return err
	}
	ok := len(w.Shape) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = want[i] < 0 || want[i] == w.Shape[i]
	}
	if !ok {
		return fmt.Errorf("%s: shape %s, want %s (-1 = any)", what, tensor.ShapeString(w.Shape), tensor.ShapeString(want))
	}
	return nil
}

// gemm computes c [m×K] = epilogue(a [m×k] · w viewed as [k×K]) with the kernel in its own form.
func (w Weights) gemm(m, k int, a []float32, lda int, c []float32, ldc int, ep kernels.Epilogue) {
	n := w.Shape[len(w.Shape)-1]
	if w.Int8() {
		kernels.GemmF32I8Fused(m, n, k, a, lda, w.Q8, n, w.Scales, c, ldc, false, ep)
		return
	}
	kernels.GemmF32Fused(m, n, k, a, lda, w.F32.Data, n, c, ldc, false, ep)
}
