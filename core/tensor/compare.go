// compare.go: helpers that measure how far apart two tensors are, for tests and for the
// per-layer reports against the GoMLX reference (style #10: report max and mean, not only pass/fail).
package tensor

import (
	"fmt"
	"math"
)

// MaxAbs is max |x| over t's elements (0 for an empty tensor). NaN propagates.
func MaxAbs(t *Tensor) float64 {
	m := 0.0
	for _, v := range t.Data {
		a := math.Abs(float64(v))
		if a > m || a != a {
			m = a
		}
	}
	return m
}

// MaxAbsDiff is max |a-b| elementwise; shapes must match. NaN in either input yields NaN.
func MaxAbsDiff(a, b *Tensor) (float64, error) {
	d, err := Diff(a, b)
	return d.MaxAbs, err
}

// DiffStats summarises the elementwise difference of two same-shaped tensors.
type DiffStats struct {
	MaxAbs  float64 // max |a-b|
	MeanAbs float64 // mean |a-b|
	MaxRel  float64 // max |a-b| / max(|b|, tiny); b is taken as the reference
	ArgMax  int     // flat index of the max |a-b|
}

func (d DiffStats) String() string {
	return fmt.Sprintf("max|d|=%.3g mean|d|=%.3g maxrel=%.3g at %d", d.MaxAbs, d.MeanAbs, d.MaxRel, d.ArgMax)
}

// Diff compares a against the reference b elementwise.
func Diff(a, b *Tensor) (DiffStats, error) {
	if !SameShape(a.Shape, b.Shape) || len(a.Data) != len(b.Data) {
		return DiffStats{}, fmt.Errorf("tensor.Diff: shapes differ: %s vs %s", ShapeString(a.Shape), ShapeString(b.Shape))
	}
	const tiny = 1e-30 // keeps MaxRel finite where the reference is exactly 0
	var d DiffStats
	sum := 0.0
	for i := range a.Data {
		x, y := float64(a.Data[i]), float64(b.Data[i])
		e := math.Abs(x - y)
		if e > d.MaxAbs || e != e {
			d.MaxAbs, d.ArgMax = e, i
		}
		if r := e / math.Max(math.Abs(y), tiny); r > d.MaxRel || r != r {
			d.MaxRel = r
		}
		sum += e
	}
	if len(a.Data) > 0 {
		d.MeanAbs = sum / float64(len(a.Data))
	}
	return d, nil
}
