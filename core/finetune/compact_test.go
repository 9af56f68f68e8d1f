// compact_test.go: the uint8 block-input codes (error within half a step per channel, refusal
// of values a ReLU cannot give) and the Store's budget: entries past it are recomputed and
// come back exactly as kept ones would.
package finetune

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

func TestCompressErrorWithinHalfAStep(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	h, w, c := 3, 5, 7
	x := make([]float32, h*w*c)
	for i := range x {
		if r.IntN(3) > 0 { // ReLU outputs: many zeros
			x[i] = float32(r.ExpFloat64() * float64(1+i%c))
		}
	}
	for k := range h * w { // channel 6 all zero: scale 0
		x[k*c+6] = 0
	}
	q, err := Compress(x, h, w, c)
	if err != nil {
		t.Fatal(err)
	}
	if q.Bytes() != int64(h*w*c+4*c) {
		t.Fatalf("Bytes %d", q.Bytes())
	}
	got := make([]float32, len(x))
	q.Decode(got)
	for i, v := range x {
		step := q.Scale[i%c]
		if e := math.Abs(float64(got[i] - v)); e > float64(step)/2*(1+1e-5)+1e-30 {
			t.Fatalf("x[%d] = %g decodes to %g: error %g over half the step %g", i, v, got[i], e, step)
		}
		if v == 0 && got[i] != 0 {
			t.Fatalf("zero decodes to %g", got[i])
		}
	}
	if q.Scale[6] != 0 {
		t.Fatalf("all-zero channel has scale %g", q.Scale[6])
	}
	for _, bad := range []float32{-1e-3, float32(math.NaN()), float32(math.Inf(1))} {
		y := append([]float32(nil), x...)
		y[4] = bad
		if _, err := Compress(y, h, w, c); err == nil {
			t.Errorf("Compress accepted %g", bad)
		}
	}
	if _, err := Compress(x, h, w, c+1); err == nil {
		t.Error("Compress accepted a wrong shape")
	}
}

func TestStoreBudgetRecomputesExactly(t *testing.T) {
	h, w, c := 2, 2, 3
	inputs := map[[2]int][]float32{}
	r := rand.New(rand.NewPCG(7, 8))
	for e := range 4 {
		for v := range 2 {
			x := make([]float32, h*w*c)
			for i := range x {
				x[i] = float32(r.Float64() * 10)
			}
			inputs[[2]int{e, v}] = x
		}
	}
	re := func(_ context.Context, e, v int) ([]float32, error) { return inputs[[2]int{e, v}], nil }
	full := NewStore(1<<20, h, w, c, re)
	tight := NewStore(2*int64(h*w*c+4*c)+1, h, w, c, re) // room for two entries
	for k, x := range inputs {
		if _, err := full.Put(k[0], k[1], x); err != nil {
			t.Fatal(err)
		}
		if _, err := tight.Put(k[0], k[1], x); err != nil {
			t.Fatal(err)
		}
	}
	if used, kept, spilled := tight.Used(); kept != 2 || spilled != 6 || used > tight.Budget {
		t.Fatalf("tight store: %d bytes, %d kept, %d spilled (budget %d)", used, kept, spilled, tight.Budget)
	}
	a, b := make([]float32, h*w*c), make([]float32, h*w*c)
	for k := range inputs {
		if err := full.Input(context.Background(), k[0], k[1], a); err != nil {
			t.Fatal(err)
		}
		if err := tight.Input(context.Background(), k[0], k[1], b); err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("entry %v: kept %g, recomputed %g", k, a[i], b[i])
			}
		}
	}
	if full.Recomputes != 0 || tight.Recomputes != 6 {
		t.Fatalf("recomputes: full %d, tight %d", full.Recomputes, tight.Recomputes)
	}
	none := NewStore(0, h, w, c, nil)
	none.Put(0, 0, inputs[[2]int{0, 0}])
	if err := none.Input(context.Background(), 0, 0, a); err == nil {
		t.Fatal("a store without Recompute produced an input it did not keep")
	}
}
