// rng.go: the seeded random numbers of training. The generator is math/rand/v2's PCG (PCG-DXSM,
// 128-bit state); the integer, float and shuffle draws on top of its Uint64 are written here
// (Lemire's multiply-shift for bounded integers, 53-bit floats, Fisher–Yates), because rand.Rand's
// derived methods are not promised to stay the same across Go releases. A seed therefore names
// the same numbers on every platform and Go version.
package head

import (
	"math/bits"
	"math/rand/v2"
)

// Streams: each use of randomness draws from its own generator, so that changing one (say the
// dropout rate) does not move another (say the validation split).
const (
	streamInit    uint64 = 0x9e3779b97f4a7c15 // weight initialisation
	streamSplit   uint64 = 0xbf58476d1ce4e5b9 // stratified validation split
	streamShuffle uint64 = 0x94d049bb133111eb // order of the training examples, per epoch
	streamDropout uint64 = 0xd6e8feb86659fd93 // dropout masks
	streamOpenSet uint64 = 0x2545f4914f6cdd1d // the open set's starting subspace
)

type rng struct{ pcg *rand.PCG }

func newRNG(seed, stream uint64) *rng { return &rng{rand.NewPCG(seed, stream)} }

// intN returns a uniform integer in [0, n), n > 0 (Lemire, "Fast Random Integer Generation in
// an Interval", ACM TOMACS 29(1), 2019).
func (r *rng) intN(n int) int {
	bound := uint64(n)
	hi, lo := bits.Mul64(r.pcg.Uint64(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(r.pcg.Uint64(), bound)
		}
	}
	return int(hi)
}

// float64 returns a uniform float64 in [0, 1) with 53 random bits.
func (r *rng) float64() float64 { return float64(r.pcg.Uint64()>>11) / (1 << 53) }

// shuffle permutes s uniformly (Fisher–Yates, from the end).
func (r *rng) shuffle(s []int) {
	for i := len(s) - 1; i > 0; i-- {
		j := r.intN(i + 1)
		s[i], s[j] = s[j], s[i]
	}
}
