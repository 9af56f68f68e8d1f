// batchnorm.go: Keras BatchNormalization in inference mode over the channel axis of NHWC,
//
//	y = gamma·(x - mean)/sqrt(variance + eps) + beta,
//
// and its folding into the preceding convolution (BN is folded at conversion time,
// and the folded network must match the unfolded one). Per-channel scale and shift are computed
// in float64 so folding adds only the final float32 rounding of each weight.
package ops

import (
	"fmt"
	"math"

	"github.com/graftml/graft/core/tensor"
)

// KerasResNetBNEpsilon is the BatchNormalization epsilon of tf.keras.applications ResNet50
// (keras/applications/resnet.py: BatchNormalization(axis=3, epsilon=1.001e-5)).
const KerasResNetBNEpsilon = 1.001e-5

// bnScaleShift returns scale = gamma/sqrt(var+eps) and shift = beta - mean·scale per channel.
func bnScaleShift(c int, gamma, beta, mean, variance []float32, eps float32) (scale, shift []float64, err error) {
	for _, p := range []struct {
		name string
		v    []float32
	}{{"gamma", gamma}, {"beta", beta}, {"moving_mean", mean}, {"moving_variance", variance}} {
		if len(p.v) != c {
			return nil, nil, fmt.Errorf("batch norm: %s has %d elements, want %d (one per channel)", p.name, len(p.v), c)
		}
	}
	scale, shift = make([]float64, c), make([]float64, c)
	for i := range c {
		den := float64(variance[i]) + float64(eps)
		if !(den > 0) {
			return nil, nil, fmt.Errorf("batch norm: channel %d: variance %g + eps %g is not positive", i, variance[i], eps)
		}
		scale[i] = float64(gamma[i]) / math.Sqrt(den)
		shift[i] = float64(beta[i]) - float64(mean[i])*scale[i]
	}
	return scale, shift, nil
}

// BatchNorm applies inference-mode batch norm over the last axis of x ([N,H,W,C], or any rank
// >= 1 with channels last); the result is a new tensor. y = x·scale + shift in float32, with
// scale and shift from float64. It panics, naming the shape, if a parameter's length is not C
// or variance + eps is not positive.
func BatchNorm(x *tensor.Tensor, gamma, beta, mean, variance []float32, eps float32) *tensor.Tensor {
	c := channelsLast("BatchNorm", x)
	scale64, shift64, err := bnScaleShift(c, gamma, beta, mean, variance, eps)
	if err != nil {
		mustOK("BatchNorm", fmt.Errorf("input %s: %w", tensor.ShapeString(x.Shape), err))
	}
	scale, shift := make([]float32, c), make([]float32, c)
	for i := range c {
		scale[i], shift[i] = float32(scale64[i]), float32(shift64[i])
	}
	out := x.Clone()
	for p := 0; p < len(out.Data); p += c {
		px := out.Data[p : p+c]
		for i, v := range px {
			px[i] = v*scale[i] + shift[i]
		}
	}
	return out
}

// channelsLast returns the size of x's last axis, panicking if x is nil or rank 0.
func channelsLast(op string, x *tensor.Tensor) int {
	if x == nil || len(x.Shape) == 0 {
		mustOK(op, fmt.Errorf("input must have a channel axis, got %v", x))
	}
	return x.Shape[len(x.Shape)-1]
}

// BatchNormRef is BatchNorm evaluated in float64 exactly as Keras writes it:
// gamma·(x - mean)/sqrt(var + eps) + beta.
func BatchNormRef(x *tensor.Tensor, gamma, beta, mean, variance []float32, eps float32) *tensor.Tensor {
	c := channelsLast("BatchNormRef", x)
	if _, _, err := bnScaleShift(c, gamma, beta, mean, variance, eps); err != nil {
		mustOK("BatchNormRef", fmt.Errorf("input %s: %w", tensor.ShapeString(x.Shape), err))
	}
	out := x.Clone()
	for p, v := range x.Data {
		i := p % c
		y := float64(gamma[i])*(float64(v)-float64(mean[i]))/math.Sqrt(float64(variance[i])+float64(eps)) + float64(beta[i])
		out.Data[p] = float32(y)
	}
	return out
}

// FoldBatchNorm folds a BatchNormalization that follows a convolution into its kernel and bias:
//
//	w'[..., co] = w[..., co]·s[co],  b'[co] = (b[co] - mean[co])·s[co] + beta[co],
//	s = gamma/sqrt(variance + eps)  (float64),
//
// so conv(x, w') + b' = BN(conv(x, w) + b). w is [KH,KW,Cin,Cout] (or any shape with Cout last,
// e.g. a dense kernel [In,Out]); bias may be nil (zero). Returns new tensors; inputs unchanged.
// It panics, naming the kernel shape, if bias or a BN parameter does not have Cout elements or
// variance + eps is not positive (the weights loader checks these shapes first).
func FoldBatchNorm(w *tensor.Tensor, bias []float32, gamma, beta, mean, variance []float32, eps float32) (*tensor.Tensor, []float32) {
	cout := channelsLast("FoldBatchNorm", w)
	if bias != nil && len(bias) != cout {
		mustOK("FoldBatchNorm", fmt.Errorf("bias has %d elements, kernel %s has Cout=%d", len(bias), tensor.ShapeString(w.Shape), cout))
	}
	scale, _, err := bnScaleShift(cout, gamma, beta, mean, variance, eps)
	if err != nil {
		mustOK("FoldBatchNorm", fmt.Errorf("kernel %s: %w", tensor.ShapeString(w.Shape), err))
	}
	folded := w.Clone()
	for p, v := range w.Data {
		folded.Data[p] = float32(float64(v) * scale[p%cout])
	}
	foldedBias := make([]float32, cout)
	for co := range cout {
		b := 0.0
		if bias != nil {
			b = float64(bias[co])
		}
		foldedBias[co] = float32((b-float64(mean[co]))*scale[co] + float64(beta[co]))
	}
	return folded, foldedBias
}
