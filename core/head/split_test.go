package head

import (
	"slices"
	"testing"
)

func TestStratifiedSplit(t *testing.T) {
	// class sizes: 10, 7, 1, 2, 25
	sizes := []int{10, 7, 1, 2, 25}
	var labels []int
	for k := 0; k < 25; k++ { // interleaved, so positions do not follow classes
		for c, n := range sizes {
			if k < n {
				labels = append(labels, c)
			}
		}
	}
	wantVal := []int{2, 1, 0, 1, 5} // round(0.2·n), ≥ 1 when n ≥ 2, never all
	train, val := StratifiedSplit(labels, len(sizes), 0.2, 42)
	if len(train)+len(val) != len(labels) || !slices.IsSorted(train) || !slices.IsSorted(val) {
		t.Fatalf("train %d + val %d of %d, sorted %v %v", len(train), len(val), len(labels), slices.IsSorted(train), slices.IsSorted(val))
	}
	seen := make([]bool, len(labels))
	gotVal := make([]int, len(sizes))
	for _, i := range val {
		gotVal[labels[i]]++
		seen[i] = true
	}
	for _, i := range train {
		if seen[i] {
			t.Fatalf("example %d is in both sets", i)
		}
		seen[i] = true
	}
	if !slices.Equal(gotVal, wantVal) {
		t.Errorf("validation per class %v, want %v", gotVal, wantVal)
	}
	train2, val2 := StratifiedSplit(labels, len(sizes), 0.2, 42)
	if !slices.Equal(train, train2) || !slices.Equal(val, val2) {
		t.Error("the same seed gave another split")
	}
	if _, val3 := StratifiedSplit(labels, len(sizes), 0.2, 43); slices.Equal(val, val3) {
		t.Error("another seed gave the same split")
	}
	if train4, val4 := StratifiedSplit(labels, len(sizes), 0, 42); len(val4) != 0 || len(train4) != len(labels) {
		t.Error("split 0 held examples out")
	}
}

func TestRNGIntNIsUniform(t *testing.T) {
	r := newRNG(9, 9)
	const n, draws = 7, 70000
	var counts [n]int
	for range draws {
		counts[r.intN(n)]++
	}
	// χ² with 6 degrees of freedom: P(χ² > 22.5) ≈ 0.001
	chi2 := 0.0
	for _, c := range counts {
		d := float64(c) - draws/n
		chi2 += d * d / (draws / n)
	}
	if chi2 > 22.5 {
		t.Errorf("counts %v, χ² = %.1f", counts, chi2)
	}
	p := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	r.shuffle(p)
	q := slices.Clone(p)
	slices.Sort(q)
	if !slices.Equal(q, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("shuffle is not a permutation: %v", p)
	}
}
