package head

import (
	"math"
	"testing"
)

// portableTol: expPortable and logPortable against the math package, relative. Both are
// accurate to a few ulps (2.2e-16 each); 1e-14 allows ~45 ulps and still fails for a wrong
// coefficient or a missing series term (≥ 1e-12 at the ends of the reduced range).
const portableTol = 1e-14

func TestExpPortable(t *testing.T) {
	r := newRNG(1, 1)
	for i := 0; i < 100000; i++ {
		x := 1400*r.float64() - 700
		if i < 1000 {
			x = 2*r.float64() - 1
		}
		got, want := expPortable(x), math.Exp(x)
		if math.Abs(got-want) > portableTol*want {
			t.Fatalf("expPortable(%v) = %v, math.Exp %v", x, got, want)
		}
	}
	for _, c := range []struct{ x, want float64 }{{0, 1}, {800, math.Inf(1)}, {-800, 0}, {math.Inf(-1), 0}} {
		if got := expPortable(c.x); got != c.want {
			t.Errorf("expPortable(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if !math.IsNaN(expPortable(math.NaN())) {
		t.Error("expPortable(NaN) is not NaN")
	}
}

func TestLogPortable(t *testing.T) {
	r := newRNG(2, 1)
	for i := 0; i < 100000; i++ {
		x := math.Exp(1400*r.float64() - 700)
		if i < 1000 {
			x = 0.5 + r.float64()
		}
		got, want := logPortable(x), math.Log(x)
		if math.Abs(got-want) > portableTol*math.Max(math.Abs(want), 1e-300) && math.Abs(got-want) > 1e-300 {
			t.Fatalf("logPortable(%v) = %v, math.Log %v", x, got, want)
		}
	}
	if got := logPortable(1); got != 0 {
		t.Errorf("logPortable(1) = %v", got)
	}
	if !math.IsInf(logPortable(0), -1) || !math.IsNaN(logPortable(-1)) || !math.IsInf(logPortable(math.Inf(1)), 1) {
		t.Error("logPortable special cases")
	}
}

func TestSigmoidAndSoftplus(t *testing.T) {
	for _, z := range []float64{-800, -30, -1, -1e-9, 0, 1e-9, 1, 30, 800} {
		want := 1 / (1 + math.Exp(-z))
		if got := sigmoid(z); math.Abs(got-want) > portableTol {
			t.Errorf("sigmoid(%v) = %v, want %v", z, got, want)
		}
		wantSP := math.Log1p(math.Exp(-math.Abs(z)))
		if got := softplusNegAbs(z); math.Abs(got-wantSP) > portableTol {
			t.Errorf("softplusNegAbs(%v) = %v, want %v", z, got, wantSP)
		}
	}
}
