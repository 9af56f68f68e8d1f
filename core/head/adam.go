// adam.go: the Adam optimizer step exactly as Keras 3 writes it (keras/src/optimizers/adam.py,
// Adam.update_step with amsgrad=False), after Kingma & Ba, "Adam: A Method for Stochastic
// Optimization" (ICLR 2015), Algorithm 1 with the bias corrections folded into the step size:
//
//	α = lr·√(1 − β2^t)/(1 − β1^t)
//	m ← m + (g − m)(1 − β1)
//	v ← v + (g² − v)(1 − β2)
//	p ← p − α·m/(√v + ε)
//
// t counts steps from 1. Keras' defaults: lr 0.001, β1 0.9, β2 0.999, ε 1e-7.
package head

import "math"

// adamAlpha is the step size α at step t, given β1^t and β2^t (the caller keeps them by
// repeated multiplication, so no pow is needed).
func adamAlpha(lr, beta1t, beta2t float64) float32 {
	return float32(lr * math.Sqrt(1-beta2t) / (1 - beta1t))
}

// adamStep updates the parameters p in place from their gradient g and the moments m, v (all
// the same length), in float32. c1 = 1 − β1 and c2 = 1 − β2 come computed in float64 (Keras
// subtracts in float32, where 1 − float32(0.999) is off by 1.3e-5 relative). The float32(…)
// wrappers keep products from fusing into FMAs.
func adamStep(p, g, m, v []float32, alpha, c1, c2, eps float32) {
	for i, gi := range g {
		mi := m[i] + float32((gi-m[i])*c1)
		vi := v[i] + float32((float32(gi*gi)-v[i])*c2)
		m[i], v[i] = mi, vi
		p[i] -= float32(mi*alpha) / (float32(math.Sqrt(float64(vi))) + eps)
	}
}
