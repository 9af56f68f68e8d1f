// Command x86gen writes core/kernels' AVX2+FMA kernels as Go assembly (kernels_amd64.s) and their
// Go declarations (kernels_amd64.go) from the one list below (Kernels). The x86 counterpart of
// wasm/gen: Go code prints the instructions, so the register blocking is a loop here, not 1,000
// hand-written lines, and each kernel's contract is the same as its wasm sibling's and its Go
// twin's (wasm/gen/README.md, "Calling convention"; the twins are in core/kernels).
//
//	go generate ./core/kernels     (or: cd core/kernels && go run ./internal/x86gen)
//
// TestCommittedFilesAreFresh fails while the committed files differ from what this prints.
// Go assembly operand order is source first, destination last (VFMADD231PS b, a, acc is
// acc += a·b). Only AX, BX, CX, DX, SI, DI, R8–R13 and Y0–Y14 are used: R14, R15 and X15 stay
// untouched (Go's g register, the dynamic-linking GOT register, Go's zero register).
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"
)

// The GEMM micro-tile: MR rows × NR columns (NR/8 ymm vectors). 6×16 fills 12 of the 16 ymm
// registers with accumulators and leaves two for B's row and one for A's broadcast.
const (
	MR      = 6
	NR      = 16
	KUnroll = 4
)

// Epilogue flags of the GEMM kernels: the wasm module's (wasm/kernels.FlagAcc …), same meaning.
const (
	flagAcc      = 1
	flagBias     = 2
	flagResidual = 4
	flagReLU     = 8
)

// kernel is one generated function: its Go name, parameters (name and Go type, each 8 bytes),
// the comment above its Go declaration, and its body.
type kernel struct {
	name   string
	params [][2]string
	doc    string
	emit   func(g *gen)
}

var gemmParams = [][2]string{{"a", "*float32"}, {"lda", "int"}, {"b", "*float32"}, {"kc", "int"},
	{"c", "*float32"}, {"ldc", "int"}, {"flags", "int"}, {"bias", "*float32"}, {"res", "*float32"}, {"ldres", "int"}}

// Kernels is the list: one AVX2 GEMM tile kernel per height 1…MR and width 8 or 16, the int8
// dequantizing pack, the FMA throughput loop that measures this CPU's peak, then one AVX-512
// tile per height 1…MR512 and width 16 or 32 (avx512.go).
func Kernels() []kernel {
	var ks []kernel
	for _, nr := range []int{8, 16} {
		for mr := 1; mr <= MR; mr++ {
			ks = append(ks, kernel{
				name:   gemmName(mr, nr),
				params: gemmParams,
				doc: fmt.Sprintf("computes a %d×%d tile: C[0:%d, 0:%d] = epilogue(A[0:%d, 0:kc] · the packed panels at b), ", mr, nr, mr, nr, mr) +
					"panel stride 8·kc floats; lda, ldc, ldres in floats; flags as gemm_f32's (FlagAcc …)",
				emit: func(g *gen) { g.gemmTile(mr, nr) },
			})
		}
	}
	ks = append(ks,
		kernel{
			name:   "packBI8AVX2",
			params: [][2]string{{"bq", "*int8"}, {"ldb", "int"}, {"scales", "*float32"}, {"pack", "*float32"}, {"kc", "int"}, {"panels", "int"}},
			doc:    "packs whole 8-column panels of int8 B: pack[q·8·kc + p·8 + j] = float32(bq[p·ldb + 8q + j])·scales[8q + j] (packBI8's layout, one rounding)",
			emit:   (*gen).packBI8,
		},
		kernel{
			name:   "fmaPeakAVX2",
			params: [][2]string{{"iters", "int"}},
			doc:    "runs iters × 12 independent 8-wide FMAs (192 flops per iteration): this CPU's FMA throughput, the ceiling a GEMM is measured against",
			emit:   (*gen).fmaPeak,
		},
	)
	for _, nr := range []int{16, 32} {
		for mr := 1; mr <= MR512; mr++ {
			ks = append(ks, kernel{
				name:   gemmName512(mr, nr),
				params: gemmParams,
				doc: fmt.Sprintf("is the AVX-512 %d×%d tile: C[0:%d, 0:%d] = epilogue(A[0:%d, 0:kc] · the packed panels at b), ", mr, nr, mr, nr, mr) +
					"panel stride 8·kc floats; lda, ldc, ldres in floats; flags as gemm_f32's (FlagAcc …)",
				emit: func(g *gen) { g.gemmTile512(mr, nr) },
			})
		}
	}
	return ks
}

func gemmName(mr, nr int) string { return fmt.Sprintf("gemm%dx%dAVX2", mr, nr) }

// gen accumulates assembly text.
type gen struct{ b bytes.Buffer }

func (g *gen) op(format string, args ...any) { fmt.Fprintf(&g.b, "\t"+format+"\n", args...) }
func (g *gen) label(l string)                { fmt.Fprintf(&g.b, "%s:\n", l) }

// arg loads parameter i of the current kernel into reg.
func (g *gen) arg(params [][2]string, name, reg string) {
	for i, p := range params {
		if p[0] == name {
			g.op("MOVQ %s+%d(FP), %s", name, 8*i, reg)
			return
		}
	}
	log.Fatalf("no parameter %s", name)
}

// rowAddr is the address of row i of a matrix whose rows 0–2 are at base0 + i·ld and rows 3–5
// at base3 + (i−3)·ld (ld in bytes in ldReg), plus disp bytes: rowAddr4 with two bases.
func rowAddr(i, disp int, base0, base3, ldReg string) string {
	return rowAddr4(i, disp, [4]string{base0, base3}, ldReg)
}

// gemmTile emits the mr×nr micro-kernel. Registers: SI/DI rows 0 and 3 of A, BX lda in bytes,
// R8 the panel row, R10 the panel stride in bytes (32·kc), CX/DX loop counts; Y(v·mr + i)
// accumulates row i, vector v; Y12, Y13 hold B's row, Y14 the broadcast A element.
func (g *gen) gemmTile(mr, nr int) {
	nv := nr / 8
	acc := func(i, v int) string { return fmt.Sprintf("Y%d", v*mr+i) }
	g.arg(gemmParams, "a", "SI")
	g.arg(gemmParams, "lda", "BX")
	g.op("SHLQ $2, BX")
	g.arg(gemmParams, "b", "R8")
	g.arg(gemmParams, "kc", "CX")
	g.op("MOVQ CX, R10")
	g.op("SHLQ $5, R10")
	g.op("LEAQ (BX)(BX*2), DI")
	g.op("ADDQ SI, DI")
	for v := range nv {
		for i := range mr {
			g.op("VXORPS %[1]s, %[1]s, %[1]s", acc(i, v))
		}
	}
	step := func(u int) { // one K step at offset u: B's row, then each A row broadcast into the FMAs
		for v := range nv {
			bAddr := fmt.Sprintf("%d(R8)", 32*u)
			if v == 1 {
				bAddr = fmt.Sprintf("%d(R8)(R10*1)", 32*u)
			}
			g.op("VMOVUPS %s, Y%d", strings.Replace(bAddr, "0(", "(", 1), 12+v)
		}
		for i := range mr {
			g.op("VBROADCASTSS %s, Y14", rowAddr(i, 4*u, "SI", "DI", "BX"))
			for v := range nv {
				g.op("VFMADD231PS Y%d, Y14, %s", 12+v, acc(i, v))
			}
		}
	}
	g.op("MOVQ CX, DX")
	g.op("SHRQ $%d, DX", log2(KUnroll))
	g.op("JZ tail")
	g.label("loop")
	for u := range KUnroll {
		step(u)
	}
	g.op("ADDQ $%d, SI", 4*KUnroll)
	g.op("ADDQ $%d, DI", 4*KUnroll)
	g.op("ADDQ $%d, R8", 32*KUnroll)
	g.op("DECQ DX")
	g.op("JNZ loop")
	g.label("tail")
	g.op("ANDQ $%d, CX", KUnroll-1)
	g.op("JZ epilogue")
	g.label("tailloop")
	step(0)
	g.op("ADDQ $4, SI")
	g.op("ADDQ $4, DI")
	g.op("ADDQ $32, R8")
	g.op("DECQ CX")
	g.op("JNZ tailloop")

	// Epilogue, in gemm_f32's order: x = C + x (Acc), + bias, + residual, max(x, 0) (NaN kept).
	g.label("epilogue")
	g.arg(gemmParams, "c", "R11")
	g.arg(gemmParams, "ldc", "R12")
	g.op("SHLQ $2, R12")
	g.op("LEAQ (R12)(R12*2), R13")
	g.op("ADDQ R11, R13")
	g.arg(gemmParams, "flags", "DX")
	each := func(f func(i, v int)) {
		for i := range mr {
			for v := range nv {
				f(i, v)
			}
		}
	}
	g.op("TESTQ $%d, DX", flagAcc)
	g.op("JZ noacc")
	each(func(i, v int) { g.op("VADDPS %s, %s, %s", rowAddr(i, 32*v, "R11", "R13", "R12"), acc(i, v), acc(i, v)) })
	g.label("noacc")
	g.op("TESTQ $%d, DX", flagBias)
	g.op("JZ nobias")
	g.arg(gemmParams, "bias", "AX")
	for v := range nv {
		g.op("VMOVUPS %s, Y%d", strings.Replace(fmt.Sprintf("%d(AX)", 32*v), "0(", "(", 1), 12+v)
	}
	each(func(i, v int) { g.op("VADDPS Y%d, %s, %s", 12+v, acc(i, v), acc(i, v)) })
	g.label("nobias")
	g.op("TESTQ $%d, DX", flagResidual)
	g.op("JZ nores")
	g.arg(gemmParams, "res", "AX")
	g.arg(gemmParams, "ldres", "R9")
	g.op("SHLQ $2, R9")
	g.op("LEAQ (R9)(R9*2), CX")
	g.op("ADDQ AX, CX")
	each(func(i, v int) { g.op("VADDPS %s, %s, %s", rowAddr(i, 32*v, "AX", "CX", "R9"), acc(i, v), acc(i, v)) })
	g.label("nores")
	g.op("TESTQ $%d, DX", flagReLU)
	g.op("JZ store")
	g.op("VXORPS Y12, Y12, Y12")
	each(func(i, v int) { g.op("VMAXPS %s, Y12, %s", acc(i, v), acc(i, v)) }) // max(0, x): x when NaN
	g.label("store")
	each(func(i, v int) { g.op("VMOVUPS %s, %s", acc(i, v), rowAddr(i, 32*v, "R11", "R13", "R12")) })
	g.op("VZEROUPPER")
	g.op("RET")
}

// packBI8 emits the dequantizing pack of whole panels: for each panel, the 8 scales in Y1;
// per row 8 int8 codes sign-extended to int32 (VPMOVSXBD), converted exactly (VCVTDQ2PS),
// times the scales (one rounding), stored 8 floats on.
func (g *gen) packBI8() {
	ps := Kernels()[2*MR].params
	g.arg(ps, "bq", "SI")
	g.arg(ps, "ldb", "BX")
	g.arg(ps, "scales", "R8")
	g.arg(ps, "pack", "DI")
	g.arg(ps, "kc", "CX")
	g.arg(ps, "panels", "DX")
	g.op("TESTQ DX, DX")
	g.op("JZ done")
	g.op("TESTQ CX, CX")
	g.op("JZ done")
	g.label("panel")
	g.op("VMOVUPS (R8), Y1")
	g.op("MOVQ SI, AX")
	g.op("MOVQ CX, R9")
	g.label("row")
	g.op("VPMOVSXBD (AX), Y0")
	g.op("VCVTDQ2PS Y0, Y0")
	g.op("VMULPS Y1, Y0, Y0")
	g.op("VMOVUPS Y0, (DI)")
	g.op("ADDQ BX, AX")
	g.op("ADDQ $32, DI")
	g.op("DECQ R9")
	g.op("JNZ row")
	g.op("ADDQ $8, SI")
	g.op("ADDQ $32, R8")
	g.op("DECQ DX")
	g.op("JNZ panel")
	g.label("done")
	g.op("VZEROUPPER")
	g.op("RET")
}

// fmaPeak emits 12 independent FMA chains (enough to cover the FMA latency on both FMA ports).
func (g *gen) fmaPeak() {
	g.arg(Kernels()[2*MR+1].params, "iters", "CX")
	for i := range 12 {
		g.op("VXORPS Y%[1]d, Y%[1]d, Y%[1]d", i)
	}
	g.op("VXORPS Y12, Y12, Y12")
	g.op("VXORPS Y13, Y13, Y13")
	g.op("TESTQ CX, CX")
	g.op("JZ done")
	g.label("loop")
	for i := range 12 {
		g.op("VFMADD231PS Y12, Y13, Y%d", i)
	}
	g.op("DECQ CX")
	g.op("JNZ loop")
	g.label("done")
	g.op("VZEROUPPER")
	g.op("RET")
}

func log2(n int) int {
	l := 0
	for 1<<l < n {
		l++
	}
	return l
}

const header = "// Code generated by core/kernels/internal/x86gen; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n"

// Assembly is kernels_amd64.s.
func Assembly() []byte {
	var g gen
	g.b.WriteString(header)
	g.b.WriteString("#include \"textflag.h\"\n")
	for _, k := range Kernels() {
		fmt.Fprintf(&g.b, "\n// func %s(%s)\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", k.name, signature(k.params), k.name, 8*len(k.params))
		k.emit(&g)
	}
	return g.b.Bytes()
}

// Declarations is kernels_amd64.go: the Go declaration of every kernel and the GEMM tile table.
func Declarations() []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("package kernels\n\n")
	fmt.Fprintf(&b, "// The AVX2 micro-tile of kernels_amd64.s.\nconst (\n\tavx2MR = %d\n\tavx2NR = %d\n)\n", MR, NR)
	for _, k := range Kernels() {
		fmt.Fprintf(&b, "\n// %s %s.\n//\n//go:noescape\nfunc %s(%s)\n", k.name, k.doc, k.name, signature(k.params))
	}
	b.WriteString("\n// gemmAVX2Tiles[mr-1][nr/8-1] is the mr×nr tile kernel.\nvar gemmAVX2Tiles = [avx2MR][avx2NR / 8]func(")
	b.WriteString(signature(gemmParams) + "){\n")
	for mr := 1; mr <= MR; mr++ {
		fmt.Fprintf(&b, "\t{%s, %s},\n", gemmName(mr, 8), gemmName(mr, 16))
	}
	b.WriteString("}\n")
	fmt.Fprintf(&b, "\n// The AVX-512 micro-tile of kernels_amd64.s.\nconst (\n\tavx512MR = %d\n\tavx512NR = %d\n)\n", MR512, NR512)
	b.WriteString("\n// gemmAVX512Tiles[mr-1][nr/16-1] is the AVX-512 mr×nr tile kernel.\nvar gemmAVX512Tiles = [avx512MR][avx512NR / 16]func(")
	b.WriteString(signature(gemmParams) + "){\n")
	for mr := 1; mr <= MR512; mr++ {
		fmt.Fprintf(&b, "\t{%s, %s},\n", gemmName512(mr, 16), gemmName512(mr, 32))
	}
	b.WriteString("}\n")
	return b.Bytes()
}

func signature(params [][2]string) string {
	var s []string
	for _, p := range params {
		s = append(s, p[0]+" "+p[1])
	}
	return strings.Join(s, ", ")
}

// Files maps each output, relative to core/kernels, to its contents.
func Files() map[string][]byte {
	return map[string][]byte{"kernels_amd64.s": Assembly(), "kernels_amd64.go": Declarations()}
}

func main() {
	for name, data := range Files() {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
