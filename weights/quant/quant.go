// Package quant defines Graft's int8 weights: symmetric, per output channel, one float32 scale
// per channel (quantization scheme "int8-symmetric-per-channel", version 1 in
// weights/format/constants.go; the normative text is weights/FORMAT.md §Quantization).
//
// A kernel is a row-major tensor whose last axis is the output channel: conv kernels
// [KH, KW, Cin, Cout], dense kernels [In, Out] (K = Cout = out channels). For channel k:
//
//	amax_k  = max_i |w[i,k]|
//	scale_k = float32(amax_k / 127)            (0 when amax_k = 0)
//	q[i,k]  = clamp(round(w[i,k] / scale_k), −127, 127), round half away from zero,
//	          the division done in float64 on the stored float32 scale
//	w'[i,k] = float32(q[i,k]) · scale_k        (dequantized, float32)
//
// QuantizeRef is the definition written out as literally as possible (like ggml's
// quantize_row_q8_0_ref); Quantize is the single-pass version the converter runs, and the tests
// hold them to identical output.
package quant

import (
	"errors"
	"fmt"
	"math"
)

// MaxCode is the largest magnitude of a code: the range is symmetric, [−127, 127]; −128 is
// never written, so negating a code never overflows.
const MaxCode = 127

// checkArgs validates a kernel of len(w) values with channels output channels.
func checkArgs(w []float32, channels int) error {
	if channels <= 0 {
		return fmt.Errorf("quant: %d output channels", channels)
	}
	if len(w)%channels != 0 {
		return fmt.Errorf("quant: %d values are not a whole number of rows of %d channels", len(w), channels)
	}
	return nil
}

// ErrNotFinite reports a NaN or infinite weight, which has no int8 code.
var ErrNotFinite = errors.New("quant: weight is NaN or infinite")

// QuantizeRef is the reference quantizer: for each output channel it gathers the channel's
// values, finds their largest magnitude in float64, derives the scale and rounds every value.
// w is row-major with the output channel as its last axis ([..., K], K = channels).
// It returns q (same layout as w) and scales [K].
func QuantizeRef(w []float32, channels int) (q []int8, scales []float32, err error) {
	if err := checkArgs(w, channels); err != nil {
		return nil, nil, err
	}
	rows := len(w) / channels
	q = make([]int8, len(w))
	scales = make([]float32, channels)
	for k := 0; k < channels; k++ {
		amax := 0.0
		for r := 0; r < rows; r++ {
			v := float64(w[r*channels+k])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("%w (row %d, channel %d)", ErrNotFinite, r, k)
			}
			amax = math.Max(amax, math.Abs(v))
		}
		scale := float32(amax / MaxCode)
		scales[k] = scale
		if scale == 0 {
			continue // an all-zero channel (or one too small for a float32 scale) stays 0
		}
		for r := 0; r < rows; r++ {
			x := float64(w[r*channels+k]) / float64(scale)
			q[r*channels+k] = int8(math.Max(-MaxCode, math.Min(MaxCode, math.Round(x))))
		}
	}
	return q, scales, nil
}

// Quantize computes exactly what QuantizeRef does in two passes over memory in storage order
// (rows of K channels), with no per-channel gathering: one pass for the magnitudes, one for the
// codes. It writes into q [len(w)] and scales [K], which the caller provides.
func Quantize(q []int8, scales []float32, w []float32, channels int) error {
	if err := checkArgs(w, channels); err != nil {
		return err
	}
	if len(q) != len(w) || len(scales) != channels {
		return fmt.Errorf("quant: outputs hold %d codes and %d scales, need %d and %d", len(q), len(scales), len(w), channels)
	}
	amax := make([]float32, channels) // |w| is exact in float32, so the max is too
	for r := 0; r < len(w); r += channels {
		for k, v := range w[r : r+channels] {
			a := float32(math.Abs(float64(v)))
			if !(a <= math.MaxFloat32) { // NaN or ±Inf
				return fmt.Errorf("%w (row %d, channel %d)", ErrNotFinite, r/channels, k)
			}
			amax[k] = max(amax[k], a)
		}
	}
	inv := make([]float64, channels) // 1/scale would round differently; keep the division
	for k, a := range amax {
		scales[k] = float32(float64(a) / MaxCode)
		inv[k] = float64(scales[k])
	}
	for r := 0; r < len(w); r += channels {
		row, out := w[r:r+channels], q[r:r+channels]
		for k, v := range row {
			if inv[k] == 0 {
				out[k] = 0
				continue
			}
			x := math.Round(float64(v) / inv[k])
			out[k] = int8(math.Max(-MaxCode, math.Min(MaxCode, x)))
		}
	}
	return nil
}

// DequantizeRef returns w'[i,k] = q[i,k]·scale_k computed in float64 and rounded once to
// float32 (which equals the float32 product: a 7-bit code times a 24-bit scale is exact in float64).
func DequantizeRef(q []int8, scales []float32) ([]float32, error) {
	if err := checkCodes(q, scales); err != nil {
		return nil, err
	}
	out := make([]float32, len(q))
	for i, c := range q {
		out[i] = float32(float64(c) * float64(scales[i%len(scales)]))
	}
	return out, nil
}

// Dequantize writes w'[i,k] = float32(q[i,k])·scale_k into out [len(q)], row by row.
func Dequantize(out []float32, q []int8, scales []float32) error {
	if err := checkCodes(q, scales); err != nil {
		return err
	}
	if len(out) != len(q) {
		return fmt.Errorf("quant: output holds %d values, need %d", len(out), len(q))
	}
	k := len(scales)
	for r := 0; r < len(q); r += k {
		row, dst := q[r:r+k], out[r:r+k]
		for j, c := range row {
			dst[j] = float32(c) * scales[j]
		}
	}
	return nil
}

func checkCodes(q []int8, scales []float32) error {
	if len(scales) == 0 || len(q)%len(scales) != 0 {
		return fmt.Errorf("quant: %d codes are not a whole number of rows of %d scales", len(q), len(scales))
	}
	return nil
}

// RelativeL2Error is ‖w − w'‖₂ / ‖w‖₂ in float64 (0 when both are zero, +Inf when only w is):
// the per-tensor error the converter reports.
func RelativeL2Error(w, approx []float32) float64 {
	var num, den float64
	for i, v := range w {
		d := float64(v) - float64(approx[i])
		num += d * d
		den += float64(v) * float64(v)
	}
	switch {
	case num == 0:
		return 0
	case den == 0:
		return math.Inf(1)
	}
	return math.Sqrt(num / den)
}
