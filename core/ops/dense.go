// dense.go: Keras Dense (y = x·W + b, kernel [In, Out]) as one GEMM with a bias epilogue, and
// its float64 twin. ResNet50's 'predictions' layer is Dense(1000) followed by Softmax. The kernel
// is float32 (Dense) or either form of weights.go (DenseWeights: int8 codes × per-Out scales).
package ops

import (
	"fmt"

	"github.com/graftml/graft/core/kernels"
	"github.com/graftml/graft/core/tensor"
)

func checkDense(x *tensor.Tensor, w Weights, bias []float32) (n, in, out int, err error) {
	if err := tensor.CheckShape("Dense input", x, -1, -1); err != nil {
		return 0, 0, 0, err
	}
	if err := w.checkShape("Dense kernel", x.Shape[1], -1); err != nil {
		return 0, 0, 0, fmt.Errorf("%w (input %s: kernel must be [In,Out] with In=%d)", err, tensor.ShapeString(x.Shape), x.Shape[1])
	}
	if bias != nil && len(bias) != w.Shape[1] {
		return 0, 0, 0, fmt.Errorf("Dense: bias has %d elements, kernel %s has Out=%d", len(bias), tensor.ShapeString(w.Shape), w.Shape[1])
	}
	return x.Shape[0], x.Shape[1], w.Shape[1], nil
}

// Dense: x [N,In], w [In,Out], bias [Out] or nil; result [N,Out].
func Dense(x, w *tensor.Tensor, bias []float32) (*tensor.Tensor, error) {
	return DenseWeights(x, F32Weights(w), bias)
}

// DenseWeights is Dense with the kernel in either form; with int8 weights the result is bit for
// bit Dense's on the dequantized kernel (w.Float32()).
func DenseWeights(x *tensor.Tensor, w Weights, bias []float32) (*tensor.Tensor, error) {
	n, in, out, err := checkDense(x, w, bias)
	if err != nil {
		return nil, err
	}
	y := tensor.New(n, out)
	if n > 0 && out > 0 {
		w.gemm(n, in, x.Data, max(in, 1), y.Data, out, kernels.Epilogue{Bias: bias})
	}
	return y, nil
}

// DenseRef is Dense with float64 accumulation: y[i][o] = Σ_p x[i][p]·w[p][o] + b[o].
func DenseRef(x, w *tensor.Tensor, bias []float32) (*tensor.Tensor, error) {
	n, in, out, err := checkDense(x, F32Weights(w), bias)
	if err != nil {
		return nil, err
	}
	y := tensor.New(n, out)
	for i := range n {
		for o := range out {
			s := 0.0
			for p := range in {
				s += float64(x.Data[i*in+p]) * float64(w.Data[p*out+o])
			}
			if bias != nil {
				s += float64(bias[o])
			}
			y.Data[i*out+o] = float32(s)
		}
	}
	return y, nil
}

// DenseWeightsRef is DenseRef on the kernel in float32 form (int8 codes dequantized first).
func DenseWeightsRef(x *tensor.Tensor, w Weights, bias []float32) (*tensor.Tensor, error) {
	f, err := w.Float32()
	if err != nil {
		return nil, fmt.Errorf("Dense: %w", err)
	}
	return DenseRef(x, f, bias)
}
