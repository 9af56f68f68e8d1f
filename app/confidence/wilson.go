// Package confidence says how uncertain a measured proportion is: the Wilson score interval
// (E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
// JASA 22 (1927); the form in Agresti & Coull, The American Statistician 52 (1998)), which
// stays inside [0, 1] and is honest at 0 or n successes, where the normal approximation
// gives a zero-width interval: 40 of 40 validation photos right is 91–100%, not 100%. It
// imports only math, so the page links it.
package confidence

import "math"

// Z95 is the standard normal quantile of 0.975: a two-sided 95% interval.
const Z95 = 1.959963984540054

// Wilson is the Wilson score interval of k successes in n trials at normal quantile z
// (Z95 for 95%): lo ≤ k/n ≤ hi, both in [0, 1]. n ≤ 0 gives [0, 1]: nothing was measured.
func Wilson(k, n int, z float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	k = min(max(k, 0), n)
	fn := float64(n)
	p := float64(k) / fn
	z2 := z * z
	denom := 1 + z2/fn
	center := (p + z2/(2*fn)) / denom
	half := z * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn)) / denom
	lo, hi = max(center-half, 0), min(center+half, 1)
	if k == 0 {
		lo = 0 // exact: the formula gives 0 up to rounding
	}
	if k == n {
		hi = 1
	}
	return lo, hi
}
