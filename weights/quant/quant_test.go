// Tests of the int8 quantizer: Quantize against the float64 reference QuantizeRef on awkward
// shapes with sentinels, the reference against the properties that define it, and Dequantize
// against DequantizeRef.
package quant

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// awkward sizes (style #8): below, at and above powers of two and ResNet50's channel counts.
var awkward = []int{1, 2, 3, 7, 17, 31, 33, 63, 65, 127, 129}

// sentinelCode and sentinelValue fill the slack around outputs; a write out of bounds changes them.
const (
	sentinelCode  int8    = 0x5a
	sentinelValue float32 = -12345.5
	slack                 = 8
)

// kernel returns rows×channels values with a per-channel spread so channels differ in scale,
// including an all-zero channel, a negative-only channel and ties at ±0.5 of a code.
func kernel(rng *rand.Rand, rows, channels int) []float32 {
	w := make([]float32, rows*channels)
	for k := 0; k < channels; k++ {
		spread := math.Exp(rng.NormFloat64() * 2)
		for r := 0; r < rows; r++ {
			v := rng.NormFloat64() * spread
			switch {
			case k == 1: // all zero
				v = 0
			case k == 2: // negative only, its largest magnitude negative
				v = -math.Abs(v)
			case k == 3 && r == 0: // amax 127: the scale is exactly 1, so the next lines are ties
				v = 127
			case k == 3: // exact halves of the code step, both signs: round half away from zero
				v = (float64(r%7) + 0.5) * float64(1-2*(r%2))
			}
			w[r*channels+k] = float32(v)
		}
	}
	return w
}

func TestQuantizeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rows := range awkward {
		for _, ch := range awkward {
			w := kernel(rng, rows, ch)
			qRef, sRef, err := QuantizeRef(w, ch)
			if err != nil {
				t.Fatal(err)
			}
			qBuf := make([]int8, len(w)+2*slack)
			sBuf := make([]float32, ch+2*slack)
			for i := range qBuf {
				qBuf[i] = sentinelCode
			}
			for i := range sBuf {
				sBuf[i] = sentinelValue
			}
			q, s := qBuf[slack:slack+len(w)], sBuf[slack:slack+ch]
			if err := Quantize(q, s, w, ch); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < slack; i++ {
				if qBuf[i] != sentinelCode || qBuf[len(qBuf)-1-i] != sentinelCode ||
					sBuf[i] != sentinelValue || sBuf[len(sBuf)-1-i] != sentinelValue {
					t.Fatalf("rows=%d channels=%d: write outside the outputs", rows, ch)
				}
			}
			for k := range s {
				if s[k] != sRef[k] {
					t.Fatalf("rows=%d channels=%d: scale[%d] = %g, reference %g", rows, ch, k, s[k], sRef[k])
				}
			}
			for i := range q {
				if q[i] != qRef[i] {
					t.Fatalf("rows=%d channels=%d: code[%d] = %d, reference %d (w=%g)", rows, ch, i, q[i], qRef[i], w[i])
				}
			}
		}
	}
}

// TestReferenceDefinition checks QuantizeRef against the definition, value by value, without
// reusing its arithmetic: the largest magnitude of each channel maps to ±127, every other value
// dequantizes to within half a step, and the rounding is half away from zero.
func TestReferenceDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ties := 0
	for _, rows := range awkward {
		for _, ch := range []int{1, 4, 17, 65} {
			w := kernel(rng, rows, ch)
			q, s, err := QuantizeRef(w, ch)
			if err != nil {
				t.Fatal(err)
			}
			for k := 0; k < ch; k++ {
				var amax float32
				for r := 0; r < rows; r++ {
					amax = max(amax, float32(math.Abs(float64(w[r*ch+k]))))
				}
				if amax == 0 {
					if s[k] != 0 {
						t.Fatalf("zero channel %d has scale %g", k, s[k])
					}
				}
				step := float64(s[k])
				for r := 0; r < rows; r++ {
					i := r*ch + k
					v, c := float64(w[i]), int(q[i])
					if c < -MaxCode || c > MaxCode {
						t.Fatalf("code %d out of range", c)
					}
					if amax == 0 {
						if c != 0 {
							t.Fatalf("zero channel has code %d", c)
						}
						continue
					}
					if float32(math.Abs(v)) == amax && (c != MaxCode && c != -MaxCode || (c > 0) != (v > 0)) {
						t.Fatalf("largest magnitude %g of channel %d got code %d", v, k, c)
					}
					// Half a step plus float32 rounding of the scale (relative 2^-24 on 127 steps).
					if err := math.Abs(v - float64(c)*step); err > step*(0.5+1e-5) {
						t.Fatalf("w=%g code %d step %g: error %g above half a step", v, c, step, err)
					}
					if x := math.Abs(v / step); x == math.Trunc(x)+0.5 {
						ties++
						if want := (int(x) + 1) * int(math.Copysign(1, v)); c != want {
							t.Fatalf("tie %g rounded to %d, want %d (away from zero)", v/step, c, want)
						}
					}
				}
			}
		}
	}
	if ties == 0 {
		t.Fatal("no ties were tested")
	}
}

func TestDequantizeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, rows := range awkward {
		for _, ch := range awkward {
			w := kernel(rng, rows, ch)
			q, s, err := QuantizeRef(w, ch)
			if err != nil {
				t.Fatal(err)
			}
			want, err := DequantizeRef(q, s)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]float32, len(q)+2*slack)
			for i := range buf {
				buf[i] = sentinelValue
			}
			out := buf[slack : slack+len(q)]
			if err := Dequantize(out, q, s); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < slack; i++ {
				if buf[i] != sentinelValue || buf[len(buf)-1-i] != sentinelValue {
					t.Fatalf("rows=%d channels=%d: write outside the output", rows, ch)
				}
			}
			for i := range out {
				if out[i] != want[i] {
					t.Fatalf("rows=%d channels=%d: value %d = %g, reference %g", rows, ch, i, out[i], want[i])
				}
			}
		}
	}
}

// relErrBudget bounds the relative L2 error of per-channel int8 on Gaussian weights: the error
// is about uniform in ±step/2 (RMS step/√12) with step = amax/127 and amax ≈ 4–5σ on a few
// hundred values, i.e. ≈ 1.1%; 2% leaves room for heavier tails of the random draw.
const relErrBudget = 0.02

func TestRelativeErrorOfGaussianKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	w := make([]float32, 3*3*64*128)
	for i := range w {
		w[i] = float32(rng.NormFloat64() * 0.05)
	}
	q, s, err := QuantizeRef(w, 128)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := DequantizeRef(q, s)
	e := RelativeL2Error(w, d)
	if e <= 0 || e > relErrBudget {
		t.Fatalf("relative L2 error %g, budget (0, %g]", e, relErrBudget)
	}
	if RelativeL2Error(w, w) != 0 {
		t.Fatal("error of identical tensors is not 0")
	}
}

func TestBadInput(t *testing.T) {
	if _, _, err := QuantizeRef([]float32{1, 2, 3}, 2); err == nil {
		t.Fatal("3 values as rows of 2 accepted")
	}
	if _, _, err := QuantizeRef([]float32{1}, 0); err == nil {
		t.Fatal("0 channels accepted")
	}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
		if _, _, err := QuantizeRef([]float32{1, bad}, 1); !errors.Is(err, ErrNotFinite) {
			t.Fatalf("%g: got %v, want ErrNotFinite", bad, err)
		}
		if err := Quantize(make([]int8, 2), make([]float32, 1), []float32{1, bad}, 1); !errors.Is(err, ErrNotFinite) {
			t.Fatalf("%g: got %v, want ErrNotFinite", bad, err)
		}
	}
	if err := Quantize(make([]int8, 1), make([]float32, 1), []float32{1, 2}, 1); err == nil {
		t.Fatal("short output accepted")
	}
	if err := Dequantize(make([]float32, 3), make([]int8, 4), make([]float32, 2)); err == nil {
		t.Fatal("short output accepted")
	}
	if _, err := DequantizeRef(make([]int8, 3), make([]float32, 2)); err == nil {
		t.Fatal("3 codes as rows of 2 accepted")
	}
}
