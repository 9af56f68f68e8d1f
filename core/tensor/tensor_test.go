// Tests for the tensor container: construction, shape checking, comparison helpers.
package tensor

import (
	"math"
	"strings"
	"testing"
)

func TestNewAndFromData(t *testing.T) {
	x := New(2, 3, 4)
	if x.Len() != 24 || len(x.Data) != 24 || x.Rank() != 3 {
		t.Fatalf("New(2,3,4): len %d rank %d", x.Len(), x.Rank())
	}
	if s := New().Len(); s != 1 {
		t.Errorf("rank-0 tensor has %d elements, want 1", s)
	}
	if _, err := FromData(make([]float32, 5), 2, 3); err == nil || !strings.Contains(err.Error(), "[2,3]") {
		t.Errorf("FromData with wrong length: err = %v, want one naming [2,3]", err)
	}
	if _, err := FromData(nil, 2, -1); err == nil {
		t.Error("FromData accepted a negative dimension")
	}
	if _, err := FromData(nil, 1<<20, 1<<20); err == nil {
		t.Error("FromData accepted a shape of 2^40 elements")
	}
	d := []float32{1, 2, 3, 4, 5, 6}
	y, err := FromData(d, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	y.Data[0] = 9
	if d[0] != 9 {
		t.Error("FromData copied the data; it should wrap it")
	}
}

func TestCloneIsDeep(t *testing.T) {
	x, _ := FromData([]float32{1, 2, 3}, 3)
	c := x.Clone()
	c.Data[0], c.Shape[0] = 7, 1
	if x.Data[0] != 1 || x.Shape[0] != 3 {
		t.Error("Clone shares storage with the original")
	}
}

func TestReshape(t *testing.T) {
	x := New(2, 6)
	y, err := x.Reshape(3, 4)
	if err != nil {
		t.Fatal(err)
	}
	y.Data[5] = 1
	if x.Data[5] != 1 {
		t.Error("Reshape should share data")
	}
	if _, err := x.Reshape(5, 2); err == nil || !strings.Contains(err.Error(), "[2,6]") {
		t.Errorf("bad Reshape: err = %v", err)
	}
}

func TestCheckShape(t *testing.T) {
	x := New(1, 7, 7, 64)
	if err := CheckShape("x", x, 1, -1, -1, 64); err != nil {
		t.Errorf("matching shape rejected: %v", err)
	}
	err := CheckShape("x", x, 1, 7, 7, 32)
	if err == nil || !strings.Contains(err.Error(), "[1,7,7,64]") || !strings.Contains(err.Error(), "[1,7,7,32]") {
		t.Errorf("mismatch error should name both shapes, got %v", err)
	}
	bad := &Tensor{Shape: []int{2, 2}, Data: make([]float32, 3)}
	if CheckShape("bad", bad, 2, 2) == nil {
		t.Error("tensor whose data length disagrees with its shape passed CheckShape")
	}
	if CheckShape("nil", nil, 1) == nil {
		t.Error("nil tensor passed CheckShape")
	}
}

func TestDiff(t *testing.T) {
	a, _ := FromData([]float32{1, 2, 3, -4}, 2, 2)
	b, _ := FromData([]float32{1, 2.5, 3, -4}, 2, 2)
	d, err := Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxAbs != 0.5 || d.ArgMax != 1 || d.MeanAbs != 0.125 || math.Abs(d.MaxRel-0.2) > 1e-12 {
		t.Errorf("Diff = %+v", d)
	}
	if m := MaxAbs(a); m != 4 {
		t.Errorf("MaxAbs = %v, want 4", m)
	}
	c := New(4)
	if _, err := MaxAbsDiff(a, c); err == nil {
		t.Error("MaxAbsDiff of [2,2] and [4] should fail")
	}
	a.Data[3] = float32(math.NaN())
	if m, _ := MaxAbsDiff(a, b); !math.IsNaN(m) {
		t.Errorf("MaxAbsDiff with a NaN = %v, want NaN", m)
	}
}

func TestSameShape(t *testing.T) {
	for _, tc := range []struct {
		a, b []int
		want bool
	}{
		{nil, nil, true},
		{[]int{}, nil, true}, // both scalars
		{[]int{2, 3}, []int{2, 3}, true},
		{[]int{2, 3}, []int{3, 2}, false},
		{[]int{2, 3}, []int{2, 3, 1}, false}, // a trailing 1 is another rank
		{[]int{6}, []int{2, 3}, false},       // same element count, other shape
		{[]int{0}, nil, false},
	} {
		if got := SameShape(tc.a, tc.b); got != tc.want {
			t.Errorf("SameShape(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
