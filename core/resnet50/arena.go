// arena.go: the activation buffers of one forward pass, recycled between layers. Each conv
// (and the max pool) takes its output from the arena instead of tensor.New, which zeroes ~44 MB
// per pass at 224×224; the ops that take an ops.Alloc overwrite every element, so a recycled
// buffer needs no clearing and the results are bit for bit those of fresh tensors. Run gives a
// tensor back (put) once no later layer reads it; the tensor Run returns is never given back, so
// the caller owns it. Arenas live in a sync.Pool: one per concurrent Run, dropped by the GC when
// idle (a batch-32 pass holds ~0.5 GB of activations, which a Model should not keep forever).
package resnet50

import (
	"sync"

	"github.com/graftml/graft/core/tensor"
)

// arena is a free list of float32 buffers; not safe for concurrent use (one per Run).
type arena struct{ free [][]float32 }

var arenas = sync.Pool{New: func() any { return new(arena) }}

// get returns a tensor of the shape with arbitrary contents: the smallest free buffer that is
// large enough but not more than twice so (the tensor Run returns keeps its buffer, so a caller
// never holds more than twice its memory), or a new one.
func (a *arena) get(shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	best := -1
	for i, b := range a.free {
		if cap(b) >= n && cap(b) <= 2*n && (best < 0 || cap(b) < cap(a.free[best])) {
			best = i
		}
	}
	if best < 0 {
		return tensor.New(shape...)
	}
	buf := a.free[best][:n]
	last := len(a.free) - 1
	a.free[best], a.free[last] = a.free[last], nil
	a.free = a.free[:last]
	return &tensor.Tensor{Shape: append([]int(nil), shape...), Data: buf}
}

// put hands t's buffer back; nothing may read or write t afterwards.
func (a *arena) put(t *tensor.Tensor) {
	if t != nil && cap(t.Data) > 0 {
		a.free = append(a.free, t.Data[:0])
	}
}
