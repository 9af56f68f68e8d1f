// pool.go: Keras MaxPooling2D and GlobalAveragePooling2D over NHWC.
// MaxPooling2D's 'same' padding is TensorFlow's: padded positions are ignored (as if -inf), so
// every window holds at least one input element. ResNet50 itself uses ZeroPadding2D(1) and then
// a 3x3 stride-2 'valid' pool (pool1_pad, pool1_pool); the zeros are harmless after ReLU. The
// max is NaN propagating (kernels.MaxPoolF32).
package ops

import (
	"fmt"

	"github.com/graftml/graft/core/kernels"
	"github.com/graftml/graft/core/tensor"
)

// MaxPool2D: x [N,H,W,C], square window pool×pool, stride in both directions; result [N,OH,OW,C].
// It panics, naming the shape, if x is not rank 4 or the window does not fit.
func MaxPool2D(x *tensor.Tensor, pool, stride int, pad Padding) *tensor.Tensor {
	mustOK("MaxPool2D", tensor.CheckShape("input", x, -1, -1, -1, -1))
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, top, _, err := WindowOutputSize(h, pool, stride, pad)
	if err != nil {
		mustOK("MaxPool2D", fmt.Errorf("input %s rows: %w", tensor.ShapeString(x.Shape), err))
	}
	ow, left, _, err := WindowOutputSize(w, pool, stride, pad)
	if err != nil {
		mustOK("MaxPool2D", fmt.Errorf("input %s columns: %w", tensor.ShapeString(x.Shape), err))
	}
	out := tensor.New(n, oh, ow, c)
	for b := range n { // core/kernels reduces the windows (SIMD128 in the wasm build)
		kernels.MaxPoolF32(x.Data[b*h*w*c:(b+1)*h*w*c], h, w, c, pool, stride, top, left, oh, ow, out.Data[b*oh*ow*c:(b+1)*oh*ow*c])
	}
	return out
}

// GlobalAvgPool averages x [N,H,W,C] over H and W into [N,C], summing in float64 so the mean
// is the correctly rounded float32 of the exact mean for any H·W. It panics if x is not rank 4
// or has no pixels.
func GlobalAvgPool(x *tensor.Tensor) *tensor.Tensor {
	mustOK("GlobalAvgPool", tensor.CheckShape("input", x, -1, -1, -1, -1))
	n, hw, c := x.Shape[0], x.Shape[1]*x.Shape[2], x.Shape[3]
	if hw == 0 {
		mustOK("GlobalAvgPool", fmt.Errorf("input %s has no pixels to average", tensor.ShapeString(x.Shape)))
	}
	out := tensor.New(n, c)
	sum := make([]float64, c)
	for b := range n {
		clear(sum)
		for p := range hw {
			for i, v := range x.Data[(b*hw+p)*c : (b*hw+p+1)*c] {
				sum[i] += float64(v)
			}
		}
		for i, s := range sum {
			out.Data[b*c+i] = float32(s / float64(hw))
		}
	}
	return out
}

// MaxPool2DZeroPadded is MaxPool2D(ZeroPad2D(x, pad, pad, pad, pad), pool, stride, Valid) for an
// x with no negative elements (after a ReLU, as Keras' pool1_pad + pool1_pool see it), without
// the padded copy: every window holds at least one element of x, and a zero cannot exceed it,
// so the windows are reduced over x alone (kernels.MaxPoolF32 clips them). The output comes from
// alloc (overwritten in full). It panics as MaxPool2D does.
func MaxPool2DZeroPadded(alloc Alloc, x *tensor.Tensor, pool, stride, pad int) *tensor.Tensor {
	mustOK("MaxPool2D", tensor.CheckShape("input", x, -1, -1, -1, -1))
	if pad < 0 || pad >= pool {
		mustOK("MaxPool2D", fmt.Errorf("padding %d of a %d window: want 0 ≤ pad < pool", pad, pool))
	}
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, _, _, err := WindowOutputSize(h+2*pad, pool, stride, Valid)
	if err != nil {
		mustOK("MaxPool2D", fmt.Errorf("input %s rows: %w", tensor.ShapeString(x.Shape), err))
	}
	ow, _, _, err := WindowOutputSize(w+2*pad, pool, stride, Valid)
	if err != nil {
		mustOK("MaxPool2D", fmt.Errorf("input %s columns: %w", tensor.ShapeString(x.Shape), err))
	}
	out := alloc(n, oh, ow, c)
	for b := range n {
		kernels.MaxPoolF32(x.Data[b*h*w*c:(b+1)*h*w*c], h, w, c, pool, stride, pad, pad, oh, ow, out.Data[b*oh*ow*c:(b+1)*oh*ow*c])
	}
	return out
}
