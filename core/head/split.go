// split.go: the stratified validation split — each class keeps its share in both sets, like
// scikit-learn's train_test_split(stratify=y) — drawn from the seed's split stream.
package head

import (
	"math"
	"slices"
)

// StratifiedSplit divides the examples 0…len(labels)−1 (labels in [0, classes)) into a
// training and a validation set. Of each class's n examples, round(frac·n) go to validation,
// chosen uniformly by the seed, but at least one when frac > 0 and n ≥ 2, and never all n (a
// class with one example trains on it). Both sets come back in ascending order.
func StratifiedSplit(labels []int, classes int, frac float64, seed uint64) (train, val []int) {
	r := newRNG(seed, streamSplit)
	byClass := make([][]int, classes)
	for i, c := range labels {
		byClass[c] = append(byClass[c], i)
	}
	for _, idx := range byClass {
		k := valCount(len(idx), frac)
		r.shuffle(idx)
		val = append(val, idx[:k]...)
		train = append(train, idx[k:]...)
	}
	slices.Sort(train)
	slices.Sort(val)
	return train, val
}

// valCount is how many of a class's n examples StratifiedSplit holds out.
func valCount(n int, frac float64) int {
	if frac <= 0 || n < 2 {
		return 0
	}
	k := int(math.Floor(frac*float64(n) + 0.5))
	return min(max(k, 1), n-1)
}
