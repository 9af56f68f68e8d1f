// elementwise.go: Keras Activation('relu') and Add() (the shortcut join of a bottleneck block).
// Inside the network both are fused into Conv2D's epilogue; these stand-alone forms serve the
// reference paths and tests.
package ops

import (
	"fmt"

	"github.com/graftml/graft/core/tensor"
)

// ReLU sets every negative element of x to zero, in place (NaN stays NaN, as tf.nn.relu).
func ReLU(x *tensor.Tensor) {
	for i, v := range x.Data {
		if v < 0 {
			x.Data[i] = 0
		}
	}
}

// Add returns x + y elementwise; the shapes must be equal (Keras Add without broadcasting).
func Add(x, y *tensor.Tensor) (*tensor.Tensor, error) {
	if x == nil || y == nil || !tensor.SameShape(x.Shape, y.Shape) || len(x.Data) != len(y.Data) {
		return nil, fmt.Errorf("Add: shapes differ: %v and %v", x, y)
	}
	out := x.Clone()
	for i, v := range y.Data {
		out.Data[i] += v
	}
	return out, nil
}
