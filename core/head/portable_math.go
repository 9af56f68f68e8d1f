// portable_math.go: exp, log and the sigmoid in float64 from + − × ÷ only, so that the head's
// losses and probabilities have the same bits on every GOARCH. math.Exp is assembly on amd64
// and arm64 and Go code on wasm; math32.Exp likewise (exp_amd64.s vs its Go fallback); their
// last bits differ. The methods are the textbook ones used by Go's own math package
// (src/math/exp.go, src/math/log.go, after FreeBSD's msun): reduce the argument with ln 2 split
// into a high and a low part, then a series on the reduced range. Products feeding an addition
// are wrapped in float64(…), which forbids fusing them into an FMA (Go spec, "Arithmetic
// operators"), as arm64 would otherwise do.
package head

import "math"

const (
	ln2Hi = 6.93147180369123816490e-01 // ln 2, high bits (k·ln2Hi is exact for |k| < 2^11)
	ln2Lo = 1.90821492927058770002e-10 // ln 2 − ln2Hi
	log2e = 1.44269504088896338700e+00 // 1/ln 2

	expOverflow  = 7.09782712893383973096e+02  // above this e^x is +Inf in float64
	expUnderflow = -7.45133219101941108420e+02 // below this e^x rounds to 0
)

// expPortable returns e^x: x = k·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor series in Horner
// form through r^13/13! (the next term is below 4e-18), then scaled by 2^k.
func expPortable(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > expOverflow:
		return math.Inf(1)
	case x < expUnderflow:
		return 0
	}
	k := math.Floor(x*log2e + 0.5)
	r := (x - float64(k*ln2Hi)) - float64(k*ln2Lo)
	p := 1.0
	for i := 13; i >= 1; i-- { // e^r = 1 + r/1·(1 + r/2·(1 + … (1 + r/13)))
		p = 1 + float64(r*p)/float64(i)
	}
	return math.Ldexp(p, int(k))
}

// logPortable returns ln x: x = f·2^e with f in [√½, √2), ln f = 2·atanh(s) with
// s = (f−1)/(f+1), |s| ≤ 0.1716, summed through s^21/21 (the next term is below 1e-18).
func logPortable(x float64) float64 {
	switch {
	case x != x || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	}
	f, e := math.Frexp(x) // f in [0.5, 1)
	if f < math.Sqrt2/2 {
		f *= 2
		e--
	}
	s := (f - 1) / (f + 1)
	s2 := float64(s * s)
	t := 1.0 / 21
	for k := 19; k >= 3; k -= 2 { // t = 1/3 + s²/5 + s⁴/7 + … + s^18/21
		t = 1/float64(k) + float64(s2*t)
	}
	twoS := 2 * s
	lnF := twoS + float64(twoS*float64(s2*t))
	fe := float64(e)
	return float64(fe*ln2Hi) + (float64(fe*ln2Lo) + lnF)
}

// sigmoid returns σ(z) = 1/(1+e^−z), from e^−|z| so that neither branch overflows.
func sigmoid(z float64) float64 {
	e := expPortable(-math.Abs(z))
	if z >= 0 {
		return 1 / (1 + e)
	}
	return e / (1 + e)
}

// softplusNegAbs returns ln(1 + e^−|z|), the part of binary cross-entropy from logits that
// needs a logarithm (it lies in (0, ln 2]).
func softplusNegAbs(z float64) float64 { return logPortable(1 + expPortable(-math.Abs(z))) }
