// Pure-Go twins of the generated kernels (calling convention: wasm/gen/gen.go Kernels and
// wasm/gen/README.md). Each twin takes the same i32 arguments as its kernel and works on a []byte
// standing for the wasm linear memory, one element at a time in the kernel's summation order, so
// the SIMD128 module must agree with it bit for bit (the relaxed module within FMA rounding).
// An access outside mem is reported as an error (the kernel would trap or corrupt memory).
package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
)

// memory is a byte-addressed view of linear memory that records the first out-of-range access.
type memory struct {
	b   []byte
	err error
}

func (m *memory) check(addr int64, size int64) bool {
	if addr < 0 || addr+size > int64(len(m.b)) {
		if m.err == nil {
			m.err = fmt.Errorf("kernels: access of %d bytes at %d outside memory of %d bytes", size, addr, len(m.b))
		}
		return false
	}
	return true
}

func (m *memory) f32(addr int64) float32 {
	if !m.check(addr, 4) {
		return 0
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(m.b[addr:]))
}

func (m *memory) setF32(addr int64, v float32) {
	if m.check(addr, 4) {
		binary.LittleEndian.PutUint32(m.b[addr:], math.Float32bits(v))
	}
}

func (m *memory) u32(addr int64) uint32 {
	if !m.check(addr, 4) {
		return 0
	}
	return binary.LittleEndian.Uint32(m.b[addr:])
}

func (m *memory) setU32(addr int64, v uint32) {
	if m.check(addr, 4) {
		binary.LittleEndian.PutUint32(m.b[addr:], v)
	}
}

func (m *memory) f64(addr int64) float64 {
	if !m.check(addr, 8) {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(m.b[addr:]))
}

func (m *memory) setF64(addr int64, v float64) {
	if m.check(addr, 8) {
		binary.LittleEndian.PutUint64(m.b[addr:], math.Float64bits(v))
	}
}

func (m *memory) i8(addr int64) int8 {
	if !m.check(addr, 1) {
		return 0
	}
	return int8(m.b[addr])
}

// at returns the byte address of element (i, j) of a float32 matrix at base with row stride ld.
func at(base int32, i, ld, j int64) int64 { return int64(base) + 4*(i*ld+j) }

// GemmF32Ref is the twin of gemm_f32 for panels NR floats wide.
func GemmF32Ref(mem []byte, a, lda, b, ldp, c, ldc, m, n, k, flags, bias, res, ldres int32) error {
	return gemmF32Ref(mem, NR, a, lda, b, ldp, c, ldc, m, n, k, flags, bias, res, ldres)
}

// gemmF32Ref is GemmF32Ref for any panel width nr (modules generated with other shapes).
func gemmF32Ref(mem []byte, nr int64, a, lda, b, ldp, c, ldc, m, n, k, flags, bias, res, ldres int32) error {
	mm := &memory{b: mem}
	for i := int64(0); i < int64(m); i++ {
		for j := int64(0); j < int64(n); j++ {
			panel := int64(b) + 4*(j/nr)*int64(ldp)
			s := float32(0)
			for p := int64(0); p < int64(k); p++ {
				// float32(x*y) forces the rounding of the product (the Go spec otherwise allows
				// fusing it into an FMA), as f32x4.mul then f32x4.add does.
				s += float32(mm.f32(at(a, i, int64(lda), p)) * mm.f32(panel+4*(p*nr+j%nr)))
			}
			s = epilogueRef(mm, s, i, j, flags, c, ldc, bias, res, ldres)
			mm.setF32(at(c, i, int64(ldc), j), s)
		}
	}
	return mm.err
}

// epilogueRef applies the flags to one element x of C[i][j] in the kernels' order.
func epilogueRef(mm *memory, x float32, i, j int64, flags, c, ldc, bias, res, ldres int32) float32 {
	if flags&FlagAcc != 0 {
		x = mm.f32(at(c, i, int64(ldc), j)) + x
	}
	if flags&FlagBias != 0 {
		x += mm.f32(at(bias, 0, 0, j))
	}
	if flags&FlagResidual != 0 {
		x += mm.f32(at(res, i, int64(ldres), j))
	}
	if flags&FlagReLU != 0 {
		x = max(x, 0) // NaN stays NaN and max(-0, 0) = +0, as f32x4.max
	}
	return x
}

// BiasActF32Ref is the twin of bias_act_f32.
func BiasActF32Ref(mem []byte, c, ldc, m, n, flags, bias, res, ldres int32) error {
	mm := &memory{b: mem}
	for i := int64(0); i < int64(m); i++ {
		for j := int64(0); j < int64(n); j++ {
			x := mm.f32(at(c, i, int64(ldc), j))
			mm.setF32(at(c, i, int64(ldc), j), epilogueRef(mm, x, i, j, flags&^FlagAcc, c, ldc, bias, res, ldres))
		}
	}
	return mm.err
}

// PackBF32Ref is the twin of pack_b_f32 for panels NR floats wide.
func PackBF32Ref(mem []byte, src, ldb, dst, ldp, k, n int32) error {
	return packBRef(mem, NR, func(mm *memory, p, j int64) float32 { return mm.f32(at(src, p, int64(ldb), j)) }, dst, ldp, k, n)
}

// PackBI8Ref is the twin of pack_b_i8 for panels NR floats wide.
func PackBI8Ref(mem []byte, src, ldb, scale, dst, ldp, k, n int32) error {
	return packBRef(mem, NR, func(mm *memory, p, j int64) float32 {
		return float32(mm.i8(int64(src)+p*int64(ldb)+j)) * mm.f32(at(scale, 0, 0, j))
	}, dst, ldp, k, n)
}

// packBRef writes ceil(n/nr) panels of k rows × nr columns at dst (panel stride ldp floats) with
// elem(p, j) for j < n and zero beyond.
func packBRef(mem []byte, nr int64, elem func(mm *memory, p, j int64) float32, dst, ldp, k, n int32) error {
	mm := &memory{b: mem}
	for q := int64(0); q*nr < int64(n); q++ {
		for p := int64(0); p < int64(k); p++ {
			for jj := int64(0); jj < nr; jj++ {
				v := float32(0)
				if j := q*nr + jj; j < int64(n) {
					v = elem(mm, p, j)
				}
				mm.setF32(int64(dst)+4*(q*int64(ldp)+p*nr+jj), v)
			}
		}
	}
	return mm.err
}

// DequantI8Ref is the twin of dequant_i8.
func DequantI8Ref(mem []byte, src, lds, scale, dst, ldd, k, n int32) error {
	mm := &memory{b: mem}
	for p := int64(0); p < int64(k); p++ {
		for j := int64(0); j < int64(n); j++ {
			v := float32(mm.i8(int64(src)+p*int64(lds)+j)) * mm.f32(at(scale, 0, 0, j))
			mm.setF32(at(dst, p, int64(ldd), j), v)
		}
	}
	return mm.err
}

// Im2colF32Ref is the twin of im2col_f32.
func Im2colF32Ref(mem []byte, src, h, w, c, kh, kw, stride, padt, padl, ow, dst, p0, np int32) error {
	mm := &memory{b: mem}
	if ow < 1 {
		return nil
	}
	row := int64(kh) * int64(kw) * int64(c)
	for p := int64(p0); p < int64(p0)+int64(np); p++ {
		oy, ox := p/int64(ow), p%int64(ow)
		for ky := int64(0); ky < int64(kh); ky++ {
			for kx := int64(0); kx < int64(kw); kx++ {
				iy := oy*int64(stride) - int64(padt) + ky
				ix := ox*int64(stride) - int64(padl) + kx
				inside := iy >= 0 && iy < int64(h) && ix >= 0 && ix < int64(w)
				for ci := int64(0); ci < int64(c); ci++ {
					v := float32(0)
					if inside {
						v = mm.f32(int64(src) + 4*((iy*int64(w)+ix)*int64(c)+ci))
					}
					mm.setF32(int64(dst)+4*((p-int64(p0))*row+(ky*int64(kw)+kx)*int64(c)+ci), v)
				}
			}
		}
	}
	return mm.err
}

// MaxPoolF32Ref is the twin of max_pool_f32: each window (clipped to the image) reduced with
// the f32 max of WebAssembly (NaN propagating, max(-0, +0) = +0), which Go's max builtin is.
func MaxPoolF32Ref(mem []byte, src, h, w, c, pool, stride, padt, padl, oh, ow, dst int32) error {
	mm := &memory{b: mem}
	for oy := int64(0); oy < int64(oh); oy++ {
		y0, y1 := max(oy*int64(stride)-int64(padt), 0), min(oy*int64(stride)-int64(padt)+int64(pool), int64(h))
		for ox := int64(0); ox < int64(ow); ox++ {
			x0, x1 := max(ox*int64(stride)-int64(padl), 0), min(ox*int64(stride)-int64(padl)+int64(pool), int64(w))
			for ci := int64(0); ci < int64(c); ci++ {
				v := mm.f32(int64(src) + 4*((y0*int64(w)+x0)*int64(c)+ci))
				for y := y0; y < y1; y++ {
					for x := x0; x < x1; x++ {
						v = max(v, mm.f32(int64(src)+4*((y*int64(w)+x)*int64(c)+ci)))
					}
				}
				mm.setF32(int64(dst)+4*((oy*int64(ow)+ox)*int64(c)+ci), v)
			}
		}
	}
	return mm.err
}

// TransposeF32Ref is the twin of transpose_f32: dst[j][i] = src[i][j], copied as bits.
func TransposeF32Ref(mem []byte, src, lds, dst, ldd, rows, cols int32) error {
	mm := &memory{b: mem}
	for i := int64(0); i < int64(rows); i++ {
		for j := int64(0); j < int64(cols); j++ {
			mm.setU32(at(dst, j, int64(ldd), i), mm.u32(at(src, i, int64(lds), j)))
		}
	}
	return mm.err
}

// Col2imF32Ref is the twin of col2im_f32: patch rows in order, each entry added to its pixel
// (core/kernels.Col2imF32Ref's loop, so the sums agree bit for bit).
func Col2imF32Ref(mem []byte, dst, h, w, c, kh, kw, sh, sw, padt, padl, ow, src, p0, np int32) error {
	mm := &memory{b: mem}
	if ow < 1 {
		return nil
	}
	row := int64(kh) * int64(kw) * int64(c)
	for p := int64(p0); p < int64(p0)+int64(np); p++ {
		oy, ox := p/int64(ow), p%int64(ow)
		for ky := int64(0); ky < int64(kh); ky++ {
			for kx := int64(0); kx < int64(kw); kx++ {
				iy := oy*int64(sh) - int64(padt) + ky
				ix := ox*int64(sw) - int64(padl) + kx
				if iy < 0 || iy >= int64(h) || ix < 0 || ix >= int64(w) {
					continue
				}
				for ci := int64(0); ci < int64(c); ci++ {
					d := int64(dst) + 4*((iy*int64(w)+ix)*int64(c)+ci)
					mm.setF32(d, mm.f32(d)+mm.f32(int64(src)+4*((p-int64(p0))*row+(ky*int64(kw)+kx)*int64(c)+ci)))
				}
			}
		}
	}
	return mm.err
}

// ReLUMaskF32Ref is the twin of relu_mask_f32 (core/ops.ReLUBackward's loop).
func ReLUMaskF32Ref(mem []byte, dy, y, n int32) error {
	mm := &memory{b: mem}
	for i := int64(0); i < int64(n); i++ {
		if !(mm.f32(at(y, 0, 0, i)) > 0) {
			mm.setU32(at(dy, 0, 0, i), 0)
		}
	}
	return mm.err
}

// ColSumF32Ref is the twin of col_sum_f32: float64 column sums, rows in order.
func ColSumF32Ref(mem []byte, src, lds, m, n, sum int32) error {
	mm := &memory{b: mem}
	for i := int64(0); i < int64(m); i++ {
		for j := int64(0); j < int64(n); j++ {
			d := int64(sum) + 8*j
			mm.setF64(d, mm.f64(d)+float64(mm.f32(at(src, i, int64(lds), j))))
		}
	}
	return mm.err
}

// Twins maps every exported kernel to its twin, called with the kernel's arguments in order.
var Twins = map[string]func(mem []byte, args ...int32) error{
	"gemm_f32": func(mem []byte, x ...int32) error {
		return withArgs(x, 13, func() error {
			return GemmF32Ref(mem, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11], x[12])
		})
	},
	"pack_b_f32": func(mem []byte, x ...int32) error {
		return withArgs(x, 6, func() error { return PackBF32Ref(mem, x[0], x[1], x[2], x[3], x[4], x[5]) })
	},
	"pack_b_i8": func(mem []byte, x ...int32) error {
		return withArgs(x, 7, func() error { return PackBI8Ref(mem, x[0], x[1], x[2], x[3], x[4], x[5], x[6]) })
	},
	"dequant_i8": func(mem []byte, x ...int32) error {
		return withArgs(x, 7, func() error { return DequantI8Ref(mem, x[0], x[1], x[2], x[3], x[4], x[5], x[6]) })
	},
	"bias_act_f32": func(mem []byte, x ...int32) error {
		return withArgs(x, 8, func() error { return BiasActF32Ref(mem, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]) })
	},
	"im2col_f32": func(mem []byte, x ...int32) error {
		return withArgs(x, 13, func() error {
			return Im2colF32Ref(mem, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11], x[12])
		})
	},
	"max_pool_f32": func(mem []byte, x ...int32) error {
		return withArgs(x, 11, func() error {
			return MaxPoolF32Ref(mem, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10])
		})
	},
	"transpose_f32": func(mem []byte, x ...int32) error {
		return withArgs(x, 6, func() error { return TransposeF32Ref(mem, x[0], x[1], x[2], x[3], x[4], x[5]) })
	},
	"col2im_f32": func(mem []byte, x ...int32) error {
		return withArgs(x, 14, func() error {
			return Col2imF32Ref(mem, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11], x[12], x[13])
		})
	},
	"relu_mask_f32": func(mem []byte, x ...int32) error {
		return withArgs(x, 3, func() error { return ReLUMaskF32Ref(mem, x[0], x[1], x[2]) })
	},
	"col_sum_f32": func(mem []byte, x ...int32) error {
		return withArgs(x, 5, func() error { return ColSumF32Ref(mem, x[0], x[1], x[2], x[3], x[4]) })
	},
}

func withArgs(args []int32, want int, call func() error) error {
	if len(args) != want {
		return fmt.Errorf("kernels: %d arguments, want %d", len(args), want)
	}
	return call()
}
