// softmax.go: Keras Activation('softmax') over the last axis, in place:
// y_i = exp(x_i - max x) / Σ_j exp(x_j - max x). Subtracting the max keeps exp from overflowing
// and leaves the result unchanged; the sum is taken in float64.
package ops

import (
	"math"

	"github.com/chewxy/math32"
	"github.com/graftml/graft/core/tensor"
)

// Softmax normalises every row along the last axis of x, in place. A rank-0 tensor is one row
// of one element. Rows containing NaN become NaN; a row of all -Inf becomes NaN (as TF).
func Softmax(x *tensor.Tensor) {
	c := 1
	if len(x.Shape) > 0 {
		c = x.Shape[len(x.Shape)-1]
	}
	if c == 0 {
		return
	}
	for r := 0; r+c <= len(x.Data); r += c {
		row := x.Data[r : r+c]
		m := row[0]
		for _, v := range row[1:] {
			m = max(m, v) // max propagates NaN
		}
		sum := 0.0
		for i, v := range row {
			e := math32.Exp(v - m)
			row[i] = e
			sum += float64(e)
		}
		inv := 1 / sum
		for i, e := range row {
			row[i] = float32(float64(e) * inv)
		}
	}
}

// SoftmaxRef is Softmax evaluated in float64 (math.Exp), returning a new tensor.
func SoftmaxRef(x *tensor.Tensor) *tensor.Tensor {
	out := x.Clone()
	c := 1
	if len(x.Shape) > 0 {
		c = x.Shape[len(x.Shape)-1]
	}
	if c == 0 {
		return out
	}
	for r := 0; r+c <= len(x.Data); r += c {
		row := x.Data[r : r+c]
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, float64(v))
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(float64(v) - m)
		}
		for i, v := range row {
			out.Data[r+i] = float32(math.Exp(float64(v)-m) / sum)
		}
	}
	return out
}
