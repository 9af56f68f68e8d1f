// Package tensor holds the one tensor type of Graft's float32 engine: a row-major float32 array
// with a shape. It implements nothing numerical beyond comparison helpers; the arithmetic lives
// in core/kernels (flat slices) and core/ops (shape-aware operations).
//
// Axis vocabulary, used by every package in core/: NHWC activations
// (N batch, H height, W width, C channels), conv kernels [KH, KW, Cin, Cout] (Keras layout;
// K = Cout = out channels), dense kernels [In, Out].
package tensor

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Tensor is a dense row-major float32 array: element (i0, i1, …) lives at
// Data[((i0*Shape[1] + i1)*Shape[2] + …)]. Invariant: len(Data) == product(Shape).
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zero-filled tensor of the given shape. A rank-0 shape holds one element.
// It panics on a negative dimension, as make does on a negative length (a programming error);
// callers that take shapes from input validate them first (see FromData, CheckShape).
func New(shape ...int) *Tensor {
	n, err := numElements(shape)
	if err != nil {
		panic("tensor.New: " + err.Error())
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}
}

// FromData wraps data (not copied) as a tensor of the given shape.
func FromData(data []float32, shape ...int) (*Tensor, error) {
	n, err := numElements(shape)
	if err != nil {
		return nil, fmt.Errorf("tensor.FromData: %w", err)
	}
	if n != len(data) {
		return nil, fmt.Errorf("tensor.FromData: shape %s needs %d elements, data has %d",
			ShapeString(shape), n, len(data))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}, nil
}

// Len is the number of elements, product(Shape).
func (t *Tensor) Len() int { return len(t.Data) }

// Rank is the number of axes.
func (t *Tensor) Rank() int { return len(t.Shape) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Reshape returns a tensor sharing t's data with a new shape of the same element count.
func (t *Tensor) Reshape(shape ...int) (*Tensor, error) {
	n, err := numElements(shape)
	if err != nil {
		return nil, fmt.Errorf("tensor.Reshape: %w", err)
	}
	if n != len(t.Data) {
		return nil, fmt.Errorf("tensor.Reshape: cannot reshape %s (%d elements) to %s (%d elements)",
			ShapeString(t.Shape), len(t.Data), ShapeString(shape), n)
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: t.Data}, nil
}

// String gives the shape only, e.g. "Tensor[1,7,7,2048]"; data is too large to print usefully.
func (t *Tensor) String() string { return "Tensor" + ShapeString(t.Shape) }

// ShapeString formats a shape as "[1,224,224,3]" for error messages.
func ShapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// SameShape reports whether two shapes are identical.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// CheckShape returns an error naming both shapes when t's shape differs from want;
// a negative entry in want matches any size on that axis. what names t in the message.
func CheckShape(what string, t *Tensor, want ...int) error {
	if t == nil {
		return fmt.Errorf("%s: tensor is nil, want shape %s", what, ShapeString(want))
	}
	ok := len(t.Shape) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = want[i] < 0 || want[i] == t.Shape[i]
	}
	if !ok {
		return fmt.Errorf("%s: shape %s, want %s (-1 = any)", what, ShapeString(t.Shape), ShapeString(want))
	}
	if n, err := numElements(t.Shape); err != nil || n != len(t.Data) {
		return fmt.Errorf("%s: shape %s does not match its %d data elements", what, ShapeString(t.Shape), len(t.Data))
	}
	return nil
}

// maxElements bounds product(Shape) so the product cannot overflow int on any platform (2^31-1
// on 32-bit wasm would already be 8 GiB of float32).
const maxElements = math.MaxInt32

func numElements(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %s", ShapeString(shape))
		}
		if d != 0 && n > maxElements/d {
			return 0, fmt.Errorf("shape %s has more than %d elements", ShapeString(shape), maxElements)
		}
		n *= d
	}
	return n, nil
}
