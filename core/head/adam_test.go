package head

import (
	"math"
	"testing"
)

// TestAdamHandComputed checks two steps of Keras' Adam on one parameter against values worked
// by hand from the formulas in adam.go (p = 1, lr = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-7):
//
//	step 1, g = 0.5:   m = 0.05, v = 0.00025, α = 0.1·√0.001/0.1 = 0.0316227766
//	                   p = 1 − α·0.05/(√0.00025 + 1e-7) = 0.9000006324515
//	step 2, g = −0.25: m = 0.05 + (−0.3)(0.1) = 0.02, v = 0.00025 + (0.0625 − 0.00025)(0.001) = 0.00031225
//	                   α = 0.1·√(1 − 0.999²)/(1 − 0.9²) = 0.0235316725
//	                   p = 0.9000006324515 − α·0.02/(√0.00031225 + 1e-7) = 0.8733670792
func TestAdamHandComputed(t *testing.T) {
	// adamTol: float32 carries ~7 digits; each step's quantities round at ~6e-8 relative.
	const adamTol = 1e-6
	p, m, v := []float32{1}, []float32{0}, []float32{0}
	b1t, b2t := 1.0, 1.0
	for i, c := range []struct{ g, alpha, m, v, p float64 }{
		{0.5, 0.03162277660168381, 0.05, 0.00025, 0.9000006324515321},
		{-0.25, 0.023531672532745275, 0.02, 0.00031225, 0.8733670792079219},
	} {
		b1t, b2t = b1t*0.9, b2t*0.999
		alpha := adamAlpha(0.1, b1t, b2t)
		if math.Abs(float64(alpha)-c.alpha) > adamTol*c.alpha {
			t.Fatalf("step %d: α = %.9g, want %.9g", i+1, alpha, c.alpha)
		}
		adamStep(p, []float32{float32(c.g)}, m, v, alpha, float32(1-0.9), float32(1-0.999), 1e-7)
		for _, q := range []struct {
			name      string
			got, want float64
		}{{"m", float64(m[0]), c.m}, {"v", float64(v[0]), c.v}, {"p", float64(p[0]), c.p}} {
			if math.Abs(q.got-q.want) > adamTol*math.Abs(q.want) {
				t.Fatalf("step %d: %s = %.9g, want %.9g", i+1, q.name, q.got, q.want)
			}
		}
	}
}
