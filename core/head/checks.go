// checks.go: the rules a head's class names and stored metrics obey, shared by training and
// the head file (app/headfile/FORMAT.md §Header).
package head

import (
	"fmt"
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// Check validates stored metrics (nil is allowed: trained without validation).
func (s *Summary) Check(classes int) error {
	if s == nil {
		return nil
	}
	unit := func(v float64) bool { return v >= 0 && v <= 1 }
	switch {
	case s.Examples < 0 || math.IsNaN(s.Loss) || math.IsInf(s.Loss, 0) || s.Loss < 0 || !unit(s.Accuracy):
		return fmt.Errorf("metrics: examples %d, loss %g, accuracy %g out of range", s.Examples, s.Loss, s.Accuracy)
	case len(s.PerClass) != classes || slices.ContainsFunc(s.PerClass, func(v float64) bool { return !unit(v) }):
		return fmt.Errorf("metrics: per_class %v: want %d values in [0, 1]", s.PerClass, classes)
	case len(s.Confusion) != classes:
		return fmt.Errorf("metrics: confusion has %d rows, want %d", len(s.Confusion), classes)
	case s.Epochs < 1 || s.Epochs > MaxEpochs || s.BestEpoch < 1 || s.BestEpoch > s.Epochs:
		return fmt.Errorf("metrics: best epoch %d of %d", s.BestEpoch, s.Epochs)
	}
	total := 0
	for _, row := range s.Confusion {
		if len(row) != classes || slices.ContainsFunc(row, func(v int) bool { return v < 0 || v > s.Examples }) {
			return fmt.Errorf("metrics: confusion row %v: want %d counts in 0…%d", row, classes, s.Examples)
		}
		for _, v := range row {
			total += v
		}
	}
	if total != s.Examples {
		return fmt.Errorf("metrics: the confusion matrix counts %d examples, not %d", total, s.Examples)
	}
	return nil
}

// CheckClasses: 2…MaxClasses distinct names, each 1…MaxNameBytes of UTF-8 without control characters.
func CheckClasses(classes []string) error {
	if len(classes) < 2 || len(classes) > MaxClasses {
		return fmt.Errorf("%d classes: want 2…%d", len(classes), MaxClasses)
	}
	seen := map[string]bool{}
	for _, c := range classes {
		if c == "" || len(c) > MaxNameBytes || !utf8.ValidString(c) || slices.ContainsFunc([]rune(c), unicode.IsControl) {
			return fmt.Errorf("class name %q: want 1…%d bytes of UTF-8 text", c, MaxNameBytes)
		}
		if seen[c] {
			return fmt.Errorf("class %q appears twice", c)
		}
		seen[c] = true
	}
	return nil
}

// allFinite reports whether every value of w is a finite number.
func allFinite(w []float32) bool {
	return !slices.ContainsFunc(w, func(v float32) bool { return math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) })
}
