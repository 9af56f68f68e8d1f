package confidence

import (
	"math"
	"testing"
)

// wilsonTol: the values below are given to four decimals.
const wilsonTol = 5e-5

// TestWilson against the closed form evaluated independently (Python, float64, to four
// decimals); 5 of 10 → 0.2366–0.7634 and 0 of 10 → 0–0.2775 are the textbook values.
func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		{40, 40, 0.9124, 1},
		{0, 10, 0, 0.2775},
		{5, 10, 0.2366, 0.7634},
		{1, 10, 0.0179, 0.4042},
		{38, 40, 0.8350, 0.9862},
		{81, 263, 0.2553, 0.3662},
	} {
		lo, hi := Wilson(tc.k, tc.n, Z95)
		if math.Abs(lo-tc.lo) > wilsonTol || math.Abs(hi-tc.hi) > wilsonTol {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", tc.k, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
	if lo, hi := Wilson(0, 0, Z95); lo != 0 || hi != 1 {
		t.Errorf("Wilson(0, 0) = [%g, %g], want [0, 1]", lo, hi)
	}
}
