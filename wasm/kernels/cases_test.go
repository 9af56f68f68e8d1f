// Test cases for the kernels: each is a memory image (inputs at awkward sizes and strides, outputs
// surrounded by sentinel NaNs) plus the calls to make. Running a case on an engine and its calls
// on the Go twins must leave identical memory (bit for bit; the relaxed module's gemm outputs within
// fmaTol), which catches wrong results and any write outside the outputs.
package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
)

// sentinel fills every byte that no kernel may write: a NaN whose bit pattern no kernel produces.
const sentinel = 0x7fa5a5a5

// guardBytes of sentinel separate buffers, so an overrun of either neighbour shows.
const guardBytes = 64

type kcall struct {
	fn   string
	args []int32
}

// region is a row-major float32 block whose elements the relaxed gemm may round differently.
type region struct {
	addr       int32
	rows, cols int
	ld         int
	k          int // length of the dot products that produced it
}

type kcase struct {
	name  string
	mem   []byte
	calls []kcall
	fma   []region
}

// arena lays out buffers with sentinel guards, some of them misaligned by 4 bytes.
type arena struct {
	buf []byte
	rng *rand.Rand
}

func newArena(seed uint64) *arena {
	a := &arena{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
	a.pad(guardBytes + 4) // nothing at address 0
	return a
}

func (a *arena) pad(n int) {
	for i := 0; i < n; i += 4 {
		a.buf = binary.LittleEndian.AppendUint32(a.buf, sentinel)
	}
}

// alloc reserves n bytes (sentinel-filled) after a guard, 16-byte aligned or 4 past it.
func (a *arena) alloc(n int, misalign bool) int32 {
	a.pad(guardBytes)
	for len(a.buf)%16 != 0 {
		a.pad(4)
	}
	if misalign {
		a.pad(4)
	}
	addr := len(a.buf)
	a.pad((n + 3) &^ 3)
	return int32(addr)
}

func (a *arena) setF32(addr int32, i int, v float32) {
	binary.LittleEndian.PutUint32(a.buf[int(addr)+4*i:], math.Float32bits(v))
}

// randF32 is uniform in [-2, 2): products of two stay below 4 in magnitude (see fmaTol).
func (a *arena) randF32() float32 { return float32(a.rng.Float64()*4 - 2) }

// matrix allocates rows × ld floats and fills the rows × cols part with random values (the rest
// of each row stays sentinel unless fillGap).
func (a *arena) matrix(rows, cols, ld int, misalign, fillGap bool) int32 {
	addr := a.alloc(4*rows*ld, misalign)
	for i := 0; i < rows; i++ {
		for j := 0; j < ld; j++ {
			if j < cols || fillGap {
				a.setF32(addr, i*ld+j, a.randF32())
			}
		}
	}
	return addr
}

func (a *arena) done() []byte {
	a.pad(guardBytes)
	return a.buf
}

// Awkward sizes: below, at and above the tile sizes, primes, the K values of the brief.
var (
	caseKs = []int{0, 1, 2, 3, 5, 7, 12, 17, 30, 33, 64, 127} // every K mod 8
	caseMs = []int{0, 1, 2, 3, 4, 5, 7, 9, 13, 17}
	caseNs = []int{1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 33}
)

// gemmCases sweeps m × n × k for panels nr floats wide, rotating flags, strides and alignment, plus
// every flag combination on one awkward shape and K split over two calls (FlagAcc), as the Go
// side calls it per K block.
func gemmCases(nr int) []kcase {
	var cases []kcase
	idx := 0
	for _, k := range caseKs {
		for _, m := range caseMs {
			for _, n := range caseNs {
				idx++
				flags := int32(idx % 16)
				cases = append(cases, gemmCase(uint64(idx), nr, m, n, k, flags, idx%3, idx%2 == 1, 0))
			}
		}
	}
	for flags := int32(0); flags < 16; flags++ {
		cases = append(cases, gemmCase(1000+uint64(flags), nr, 7, 2*nr+3, 19, flags, 1, flags%2 == 0, 0))
		cases = append(cases, gemmCase(2000+uint64(flags), nr, 9, nr+5, 70, flags, 2, flags%3 == 0, 33))
	}
	return cases
}

// gemmCase builds C (+)= A·B with the epilogue flags; extra pads the strides; split > 0 computes K
// in two calls (first split columns of A, then the rest with FlagAcc and the epilogue).
func gemmCase(seed uint64, nr, m, n, k int, flags int32, extra int, misalign bool, split int) kcase {
	a := newArena(seed)
	lda, ldc, ldres := k+extra, n+2*extra, n+3*extra
	ldp := k*nr + 4*extra
	panels := (n + nr - 1) / nr
	A := a.matrix(m, k, lda, misalign, false)
	B := a.alloc(4*panels*ldp, !misalign)
	for q := 0; q < panels; q++ {
		for p := 0; p < k; p++ {
			for jj := 0; jj < nr; jj++ {
				v := float32(0)
				if q*nr+jj < n {
					v = a.randF32()
				}
				a.setF32(B, q*ldp+p*nr+jj, v)
			}
		}
	}
	C := a.matrix(m, n, ldc, misalign, true)
	bias := a.matrix(1, n, n, !misalign, false)
	res := a.matrix(m, n, ldres, misalign, false)
	c := kcase{
		name: fmt.Sprintf("gemm nr=%d m=%d n=%d k=%d flags=%d extra=%d misalign=%v split=%d", nr, m, n, k, flags, extra, misalign, split),
		fma:  []region{{C, m, n, ldc, k}},
	}
	args := func(a0, b0 int32, kk int, fl int32) []int32 {
		return []int32{a0, int32(lda), b0, int32(ldp), C, int32(ldc), int32(m), int32(n), int32(kk), fl, bias, res, int32(ldres)}
	}
	if split > 0 && split < k {
		c.calls = append(c.calls,
			kcall{"gemm_f32", args(A, B, split, flags&FlagAcc)},
			kcall{"gemm_f32", args(A+int32(4*split), B+int32(4*split*nr), k-split, flags|FlagAcc)})
	} else {
		c.calls = append(c.calls, kcall{"gemm_f32", args(A, B, k, flags)})
	}
	c.mem = a.done()
	return c
}

// packCases covers pack_b_f32, pack_b_i8 and dequant_i8 over k × n with padded strides.
func packCases() []kcase {
	nr := NR
	var cases []kcase
	idx := 0
	for _, k := range []int{0, 1, 2, 3, 7, 17, 33} {
		for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33} {
			idx++
			extra, misalign := idx%3, idx%2 == 1
			ldb, ldp := n+3*extra, k*nr+8*extra
			panels := (n + nr - 1) / nr

			a := newArena(uint64(idx))
			src := a.matrix(k, n, ldb, misalign, false)
			dst := a.alloc(4*panels*ldp, !misalign)
			cases = append(cases, kcase{name: fmt.Sprintf("pack_b_f32 k=%d n=%d extra=%d", k, n, extra),
				calls: []kcall{{"pack_b_f32", []int32{src, int32(ldb), dst, int32(ldp), int32(k), int32(n)}}}, mem: a.done()})

			a = newArena(uint64(idx) + 500)
			q := a.alloc(k*ldb, misalign)
			for i := 0; i < k*ldb; i++ {
				a.buf[int(q)+i] = byte(a.rng.IntN(256)) // every int8, including -128
			}
			scale := a.matrix(1, n, n, false, false)
			dst = a.alloc(4*panels*ldp, misalign)
			cases = append(cases, kcase{name: fmt.Sprintf("pack_b_i8 k=%d n=%d extra=%d", k, n, extra),
				calls: []kcall{{"pack_b_i8", []int32{q, int32(ldb), scale, dst, int32(ldp), int32(k), int32(n)}}}, mem: a.done()})

			a = newArena(uint64(idx) + 900)
			lds, ldd := n+5*extra, n+extra
			q = a.alloc(k*lds, !misalign)
			for i := 0; i < k*lds; i++ {
				a.buf[int(q)+i] = byte(a.rng.IntN(256))
			}
			scale = a.matrix(1, n, n, misalign, false)
			dst = a.alloc(4*k*ldd, misalign)
			cases = append(cases, kcase{name: fmt.Sprintf("dequant_i8 k=%d n=%d extra=%d", k, n, extra),
				calls: []kcall{{"dequant_i8", []int32{q, int32(lds), scale, dst, int32(ldd), int32(k), int32(n)}}}, mem: a.done()})
		}
	}
	return cases
}

// biasActCases sweeps m × n × all flag combinations (FlagAcc must be ignored).
func biasActCases() []kcase {
	var cases []kcase
	idx := 0
	for _, m := range []int{0, 1, 2, 3, 5, 17} {
		for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 17, 33} {
			for flags := int32(0); flags < 16; flags++ {
				idx++
				extra, misalign := idx%3, idx%2 == 1
				a := newArena(uint64(idx))
				ldc, ldres := n+extra, n+2*extra
				c := a.matrix(m, n, ldc, misalign, false)
				bias := a.matrix(1, n, n, !misalign, false)
				res := a.matrix(m, n, ldres, misalign, false)
				cases = append(cases, kcase{name: fmt.Sprintf("bias_act_f32 m=%d n=%d flags=%d", m, n, flags),
					calls: []kcall{{"bias_act_f32", []int32{c, int32(ldc), int32(m), int32(n), flags, bias, res, int32(ldres)}}},
					mem:   a.done()})
			}
		}
	}
	return cases
}

// im2colCases: ResNet's convolution geometries in miniature, odd channel counts, padding wider
// than the kernel, and pixel ranges that start and end mid-row.
func im2colCases() []kcase {
	type conv struct{ h, w, c, kh, kw, stride, pad int }
	convs := []conv{
		{5, 6, 3, 3, 3, 1, 1},  // 3x3 "same"
		{9, 9, 3, 7, 7, 2, 3},  // conv1: 7x7 stride 2 after ZeroPadding2D(3)
		{8, 7, 4, 1, 1, 2, 0},  // stride-2 1x1 gather
		{4, 5, 1, 3, 3, 2, 1},  // one channel
		{6, 6, 17, 3, 3, 1, 1}, // channels not a multiple of 4
		{3, 3, 2, 5, 5, 1, 4},  // padding wider than the image: whole rows of zeros
		{7, 5, 16, 3, 3, 1, 0}, // "valid"
	}
	var cases []kcase
	for i, cv := range convs {
		oh := (cv.h+2*cv.pad-cv.kh)/cv.stride + 1
		ow := (cv.w+2*cv.pad-cv.kw)/cv.stride + 1
		total := oh * ow
		for _, rng := range [][2]int{{0, total}, {1, total - 2}, {ow + 1, 1}, {total / 2, total - total/2}, {3, 0}} {
			if rng[1] < 0 {
				continue
			}
			a := newArena(uint64(100*i + rng[0]))
			src := a.matrix(cv.h*cv.w, cv.c, cv.c, i%2 == 0, false)
			dst := a.alloc(4*rng[1]*cv.kh*cv.kw*cv.c, i%2 == 1)
			cases = append(cases, kcase{
				name: fmt.Sprintf("im2col_f32 %+v pixels [%d,+%d)", cv, rng[0], rng[1]),
				calls: []kcall{{"im2col_f32", []int32{src, int32(cv.h), int32(cv.w), int32(cv.c), int32(cv.kh), int32(cv.kw),
					int32(cv.stride), int32(cv.pad), int32(cv.pad), int32(ow), dst, int32(rng[0]), int32(rng[1])}}},
				mem: a.done(),
			})
		}
	}
	return cases
}

// maxPoolCases: ResNet's pool1 in miniature, TensorFlow 'same' windows clipped at every edge,
// channel counts around the 16- and 4-channel steps, windows larger than the image, and the
// values a max must order: NaN (propagates), ±0, ±Inf.
func maxPoolCases() []kcase {
	type pool struct{ h, w, c, pool, stride, pad int }
	pools := []pool{
		{9, 9, 16, 3, 2, 0}, // pool1: 3x3/2 'valid' after ZeroPadding2D(1)
		{7, 6, 17, 3, 2, 1}, // 'same' with clipped windows; 16 + 1 channels
		{5, 5, 4, 2, 2, 0},  // 2x2/2
		{4, 7, 1, 3, 1, 1},  // one channel, stride 1
		{3, 3, 35, 5, 1, 2}, // window larger than the image; 2·16 + 3 channels
		{1, 1, 20, 1, 1, 0}, // 1x1 identity; 16 + 4 channels
		{6, 5, 7, 3, 3, 1},  // stride 3
	}
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1))}
	var cases []kcase
	for i, p := range pools {
		oh := (p.h+2*p.pad-p.pool)/p.stride + 1
		ow := (p.w+2*p.pad-p.pool)/p.stride + 1
		a := newArena(uint64(700 + i))
		src := a.matrix(p.h*p.w, p.c, p.c, i%2 == 0, false)
		for j := 0; j < p.h*p.w*p.c; j += 7 + i {
			a.setF32(src, j, special[(j/7)%len(special)])
		}
		dst := a.alloc(4*oh*ow*p.c, i%2 == 1)
		cases = append(cases, kcase{
			name: fmt.Sprintf("max_pool_f32 %+v", p),
			calls: []kcall{{"max_pool_f32", []int32{src, int32(p.h), int32(p.w), int32(p.c), int32(p.pool), int32(p.stride),
				int32(p.pad), int32(p.pad), int32(oh), int32(ow), dst}}},
			mem: a.done(),
		})
	}
	return cases
}

// transposeCases sweeps rows × cols below, at and above the 4×4 block, the 8-column strip and
// the 256-row tile, with padded strides, misaligned buffers, and NaNs with payloads (a transpose
// copies bits).
func transposeCases() []kcase {
	sizes := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 17, 31, 32, 33, 65}
	var shapes [][2]int
	for _, rows := range sizes {
		for _, cols := range sizes {
			shapes = append(shapes, [2]int{rows, cols})
		}
	}
	shapes = append(shapes, [2]int{255, 9}, [2]int{256, 8}, [2]int{257, 13}, [2]int{515, 6}, [2]int{7, 300})
	var cases []kcase
	for idx, sh := range shapes {
		rows, cols := sh[0], sh[1]
		extra, misalign := idx%3, idx%2 == 1
		lds, ldd := cols+2*extra, rows+extra
		a := newArena(uint64(3000 + idx))
		src := a.matrix(rows, cols, lds, misalign, false)
		for i := 0; i < rows*cols; i += 11 { // quiet NaNs with payloads
			binary.LittleEndian.PutUint32(a.buf[int(src)+4*((i/max(cols, 1))*lds+i%max(cols, 1)):], 0x7fc00000|uint32(i))
		}
		dst := a.alloc(4*max(cols*ldd, 1), !misalign)
		cases = append(cases, kcase{name: fmt.Sprintf("transpose_f32 rows=%d cols=%d lds=%d ldd=%d", rows, cols, lds, ldd),
			calls: []kcall{{"transpose_f32", []int32{src, int32(lds), dst, int32(ldd), int32(rows), int32(cols)}}}, mem: a.done()})
	}
	return cases
}

// col2imCases: the im2col geometries (plus unequal strides), pixel ranges that start and end
// mid-row, and two calls into one image (the Go side calls once per image a block touches), over
// a destination that already holds values.
func col2imCases() []kcase {
	type conv struct{ h, w, c, kh, kw, sh, sw, pad int }
	convs := []conv{
		{5, 6, 3, 3, 3, 1, 1, 1},  // 3x3 "same"
		{9, 9, 3, 7, 7, 2, 2, 3},  // conv1-like 7x7 stride 2
		{8, 7, 4, 1, 1, 2, 2, 0},  // stride-2 1x1
		{4, 5, 1, 3, 3, 2, 1, 1},  // one channel, strides 2x1
		{6, 6, 17, 3, 3, 1, 1, 1}, // channels not a multiple of 4
		{3, 3, 2, 5, 5, 1, 1, 4},  // padding wider than the image: whole rows dropped
		{7, 5, 21, 3, 3, 1, 2, 0}, // "valid", strides 1x2; 16 + 4 + 1 channels
		{6, 6, 64, 3, 3, 1, 1, 1}, // 64 channels: the 16-float steps
	}
	var cases []kcase
	for i, cv := range convs {
		oh := (cv.h+2*cv.pad-cv.kh)/cv.sh + 1
		ow := (cv.w+2*cv.pad-cv.kw)/cv.sw + 1
		total := oh * ow
		for _, rng := range [][2]int{{0, total}, {1, total - 2}, {ow + 1, 1}, {total / 2, total - total/2}, {3, 0}} {
			if rng[1] < 0 {
				continue
			}
			a := newArena(uint64(4000 + 100*i + rng[0]))
			row := cv.kh * cv.kw * cv.c
			dst := a.matrix(cv.h*cv.w, cv.c, cv.c, i%2 == 0, false)
			src := a.matrix(rng[1], row, row, i%2 == 1, false)
			half := rng[1] / 2
			args := func(p0, np int) []int32 {
				return []int32{dst, int32(cv.h), int32(cv.w), int32(cv.c), int32(cv.kh), int32(cv.kw), int32(cv.sh), int32(cv.sw),
					int32(cv.pad), int32(cv.pad), int32(ow), src + int32(4*(p0-rng[0])*row), int32(p0), int32(np)}
			}
			cases = append(cases, kcase{
				name:  fmt.Sprintf("col2im_f32 %+v pixels [%d,+%d)", cv, rng[0], rng[1]),
				calls: []kcall{{"col2im_f32", args(rng[0], half)}, {"col2im_f32", args(rng[0]+half, rng[1]-half)}},
				mem:   a.done(),
			})
		}
	}
	return cases
}

// maskSumCases: relu_mask_f32 over lengths around its 16- and 4-float steps, y holding the
// values a mask must sort (NaN and ±0 are not > 0, the smallest subnormal is) and dy NaNs that
// must pass; col_sum_f32 over m × n with padded strides into float64 sums that already hold
// values (at 8-byte alignment, as a Go []float64), some with an infinite term.
func maskSumCases() []kcase {
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, math.SmallestNonzeroFloat32, -1, float32(math.Inf(1))}
	var cases []kcase
	for idx, n := range []int{0, 1, 3, 4, 5, 15, 16, 17, 33, 67} {
		a := newArena(uint64(5000 + idx))
		dy := a.matrix(1, n, n, idx%2 == 0, false)
		y := a.matrix(1, n, n, idx%2 == 1, false)
		for i := 0; i < n; i += 3 {
			a.setF32(y, i, special[(i/3)%len(special)])
			if i%2 == 0 {
				a.setF32(dy, i, float32(math.NaN()))
			}
		}
		cases = append(cases, kcase{name: fmt.Sprintf("relu_mask_f32 n=%d", n),
			calls: []kcall{{"relu_mask_f32", []int32{dy, y, int32(n)}}}, mem: a.done()})
	}
	idx := 0
	for _, m := range []int{0, 1, 2, 7, 33} {
		for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 17, 33} {
			idx++
			extra, misalign := idx%3, idx%2 == 1
			lds := n + 2*extra
			a := newArena(uint64(6000 + idx))
			src := a.matrix(m, n, lds, misalign, false)
			if m*n > 0 && idx%4 == 0 {
				a.setF32(src, (m-1)*lds+n/2, float32(math.Inf(-1)))
			}
			sum := a.alloc(8*n, false) // 16-byte aligned
			for j := 0; j < n; j++ {
				binary.LittleEndian.PutUint64(a.buf[int(sum)+8*j:], math.Float64bits(a.rng.NormFloat64()))
			}
			cases = append(cases, kcase{name: fmt.Sprintf("col_sum_f32 m=%d n=%d lds=%d", m, n, lds),
				calls: []kcall{{"col_sum_f32", []int32{src, int32(lds), int32(m), int32(n), sum}}}, mem: a.done()})
		}
	}
	return cases
}

// allCases is every kernel's sweep for the committed shape.
func allCases() []kcase {
	var cases []kcase
	cases = append(cases, gemmCases(NR)...)
	cases = append(cases, packCases()...)
	cases = append(cases, biasActCases()...)
	cases = append(cases, im2colCases()...)
	cases = append(cases, maxPoolCases()...)
	cases = append(cases, transposeCases()...)
	cases = append(cases, col2imCases()...)
	cases = append(cases, maskSumCases()...)
	return cases
}
