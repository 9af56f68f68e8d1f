// Package gen generates Graft's WebAssembly SIMD128 kernel module (kernels.wasm) and its
// relaxed-SIMD twin (kernels-relaxed.wasm) with the encoder in wasm/asm. The calling convention
// of every exported kernel is the Kernels table below; README.md beside this file explains the
// layouts and records the measurements behind the default micro-kernel shape.
//
// All kernels take i32 parameters only: byte addresses into the imported memory (Go's linear
// memory) and element counts / strides counted in elements (float32 or int8), never in bytes.
// Sizes are assumed >= 0 and strides >= row lengths: the Go caller validates them (a kernel given
// a negative size does nothing; one given inconsistent addresses writes where they point).
package gen

import (
	"fmt"
	"strings"

	"github.com/graftml/graft/wasm/asm"
)

// Config selects the GEMM micro-kernel shape and the multiply-add instruction.
type Config struct {
	MR      int  // rows of C per micro-tile (1..8)
	NV      int  // f32x4 vectors per row of a micro-tile: the tile and B panels are NR = 4*NV wide
	KUnroll int  // K steps per iteration of the inner loop (1..16)
	Split   int  // 0, or rows of a K step's first basic block (1..MR-1): see gemmKSplit
	Relaxed bool // use f32x4.relaxed_madd (relaxed SIMD) instead of f32x4.mul + f32x4.add
}

// NR is the micro-tile width in floats, which is also the width of a packed B panel.
func (c Config) NR() int { return 4 * c.NV }

func (c Config) String() string {
	s := fmt.Sprintf("%dx%d-u%d", c.MR, c.NR(), c.KUnroll)
	if c.Split > 0 {
		s += fmt.Sprintf("-s%d", c.Split)
	}
	if c.Relaxed {
		s += "-relaxed"
	}
	return s
}

// Default is the shape of the committed kernels.wasm, DefaultRelaxed that of kernels-relaxed.wasm
// (chosen by the Node 20 measurements in README.md). They differ: with FMA one multiply-add is one
// instruction whose 4–5-cycle latency needs 10 independent accumulators to keep two FMA pipes
// busy (5×8, its K steps cut in two blocks so that it does not spill); mul+add needs a product
// temporary per multiply-add, and 4×8 is its best. Both keep NR = 8 (core/kernels packs B once).
var (
	Default        = Config{MR: 4, NV: 2, KUnroll: 8}
	DefaultRelaxed = Config{MR: 5, NV: 2, KUnroll: 8, Split: 3, Relaxed: true}
)

// Epilogue flags, the flags parameter of gemm_f32 and bias_act_f32. The epilogue of an element is
// x = act(((AB + C if Acc) + bias[j] if Bias) + res[i][j] if Residual), act = ReLU if ReLU.
const (
	FlagAcc      = 1 // gemm_f32 only: add the product to C instead of overwriting C
	FlagBias     = 2 // add bias[j]
	FlagResidual = 4 // add res[i*ldres + j]
	FlagReLU     = 8 // max(x, 0), NaN propagating (wasm f32x4.max)
)

// MemoryMinPages is the minimum of the module's memory import env.memory (no maximum): anything
// Go's memory has.
const MemoryMinPages = 1

// Kernel is one exported function of the module: its name, its i32 parameters in order, and what
// it computes. The generator emits exactly these; the Go twins in wasm/kernels follow them.
type Kernel struct {
	Name   string
	Params []string // in order; a leading "*" marks a byte address into memory (Go passes a pointer there)
	Doc    string
	emit   func(g *generator, f *asm.Func)
}

// ParamNames is Params without the address marks.
func (k Kernel) ParamNames() []string {
	names := make([]string, len(k.Params))
	for i, p := range k.Params {
		names[i] = strings.TrimPrefix(p, "*")
	}
	return names
}

// IsAddress reports whether parameter i is a byte address (else an element count or stride).
func (k Kernel) IsAddress(i int) bool { return strings.HasPrefix(k.Params[i], "*") }

// Kernels is the module's calling convention and the only list of kernels: the generator writes
// from it the modules' exports, wasm/kernels.Signatures, the loader's import table
// (wasm/js/loader.mjs) and the //go:wasmimport declarations of core/kernels. Adding a kernel is
// one entry here, its emitter, its Go twin and test case in wasm/kernels, and its caller in
// core/kernels (wasm/gen/README.md, "Adding a kernel").
var Kernels = []Kernel{
	{"gemm_f32", []string{"*a", "lda", "*b", "ldp", "*c", "ldc", "m", "n", "k", "flags", "*bias", "*res", "ldres"},
		"C[m×n] = epilogue(A[m×k]·B[k×n]) for row-major A and C and B packed in NR-wide panels " +
			"(panel q at b + 4*q*ldp, row p of it at +4*NR*p, zero-padded past n); loops over all panels " +
			"and row tiles in one call", (*generator).gemm},
	{"pack_b_f32", []string{"*src", "ldb", "*dst", "ldp", "k", "n"},
		"packs the k×n row-major block at src (row stride ldb floats) into ceil(n/NR) panels at dst " +
			"(panel stride ldp floats >= k*NR), zero-padding the last panel", (*generator).packB},
	{"pack_b_i8", []string{"*src", "ldb", "*scale", "*dst", "ldp", "k", "n"},
		"like pack_b_f32 for int8 weights: dst = float32(src[p][j]) * scale[j] (per-column scales, " +
			"src row stride ldb bytes)", (*generator).packBI8},
	{"dequant_i8", []string{"*src", "lds", "*scale", "*dst", "ldd", "k", "n"},
		"row-major int8 [k×n] (stride lds bytes) → row-major float32 (stride ldd floats): " +
			"dst[p][j] = float32(src[p][j]) * scale[j]", (*generator).dequantI8},
	{"bias_act_f32", []string{"*c", "ldc", "m", "n", "flags", "*bias", "*res", "ldres"},
		"the gemm_f32 epilogue alone, in place on C[m×n] (FlagAcc ignored)", (*generator).biasAct},
	{"im2col_f32", []string{"*src", "h", "w", "c", "kh", "kw", "stride", "padt", "padl", "ow", "*dst", "p0", "np"},
		"NHWC im2col of one image src[h][w][c]: for output pixels p0 ≤ p < p0+np (oy = p/ow, ox = p%ow) " +
			"writes the dense row dst[p-p0][(ky*kw+kx)*c + ci] = src[oy*stride-padt+ky][ox*stride-padl+kx][ci], " +
			"zero outside the image", (*generator).im2col},
	{"max_pool_f32", []string{"*src", "h", "w", "c", "pool", "stride", "padt", "padl", "oh", "ow", "*dst"},
		"NHWC max pooling of one image src[h][w][c] into dst[oh][ow][c]: dst[oy][ox][ci] = f32 max " +
			"(NaN propagating) of src[y][x][ci] over the window rows max(oy*stride-padt, 0) ≤ y < " +
			"min(oy*stride-padt+pool, h), columns likewise; every window must hold a pixel", (*generator).maxPool},
	{"transpose_f32", []string{"*src", "lds", "*dst", "ldd", "rows", "cols"},
		"dst[j*ldd + i] = src[i*lds + j] for i < rows, j < cols (row-major, strides in floats): " +
			"4×4 blocks by i8x16.shuffle, edges one float at a time; bit copies", (*generator).transpose},
	{"col2im_f32", []string{"*dst", "h", "w", "c", "kh", "kw", "sh", "sw", "padt", "padl", "ow", "*src", "p0", "np"},
		"the adjoint of im2col_f32 (separate strides): for p0 ≤ p < p0+np (oy = p/ow, ox = p%ow) " +
			"dst[oy*sh-padt+ky][ox*sw-padl+kx][ci] += src[p-p0][(ky*kw+kx)*c + ci] inside the image, " +
			"rows in order (the Go twin's sums bit for bit)", (*generator).col2im},
	{"relu_mask_f32", []string{"*dy", "*y", "n"},
		"ReLU's backward mask in place: dy[i] = +0 unless y[i] > 0 (NaN is not), for i < n", (*generator).reluMask},
	{"col_sum_f32", []string{"*src", "lds", "m", "n", "*sum"},
		"column sums in float64: sum[j] += float64(src[i*lds + j]) for i < m, j < n (sum: n float64 at " +
			"byte address sum, 8-byte aligned), rows in order (the Go twin's sums bit for bit)", (*generator).colSum},
}

// generator carries the configuration and the module-internal helpers while emitting.
type generator struct {
	cfg        Config
	m          *asm.Module
	loadLanes  *asm.Func // (addr, count) -> v128: count (0..4) floats into the low lanes, zeros above
	storeLanes *asm.Func // (addr, v, count): the low count (0..4) lanes of v
	copyF32    *asm.Func // (dst, src, count): count floats, forward
	zeroF32    *asm.Func // (dst, count): count zero floats
	addF32     *asm.Func // (dst, src, count): dst[i] += src[i] for count floats
}

// Generate returns the kernel module for cfg.
func Generate(cfg Config) ([]byte, error) {
	if cfg.MR < 1 || cfg.MR > 8 || cfg.NV < 1 || cfg.NV > 4 || cfg.KUnroll < 1 || cfg.KUnroll > 16 ||
		cfg.Split < 0 || cfg.Split > 0 && cfg.Split >= cfg.MR {
		return nil, fmt.Errorf("gen: unsupported shape %+v (MR 1..8, NV 1..4, KUnroll 1..16, Split 0..MR-1)", cfg)
	}
	g := &generator{cfg: cfg, m: asm.NewModule()}
	g.m.ImportMemory("env", "memory", MemoryMinPages)
	g.helpers()
	for _, k := range Kernels {
		params := make([]asm.ValType, len(k.Params))
		for i := range params {
			params[i] = asm.I32
		}
		f := g.m.Func(k.Name, params, nil)
		k.emit(g, f)
		g.m.Export(k.Name, f)
	}
	return g.m.Encode()
}
