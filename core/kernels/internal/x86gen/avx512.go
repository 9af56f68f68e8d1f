// avx512.go: the AVX-512 GEMM tiles (AVX512F only): MR512 rows × 32 or 16 columns of zmm
// accumulators over the same 8-column panels as the AVX2 tiles. A zmm register holds two
// adjacent panels' rows: the lower panel's 8 floats broadcast into both halves
// (VBROADCASTF64X4, a load), the upper panel's inserted over the top half (VINSERTF64X4).
// Register map: Z0–Z14 and Z16–Z28 accumulate (Z15 is Go's X15, never touched), Z29 is the
// broadcast A element, Z30–Z31 B's row. Rows of A, C and the residual are addressed from four
// bases (rows 0, 3, 6, 9) plus one or two leading dimensions.
package main

import "fmt"

// The AVX-512 micro-tile: 12 rows × 32 columns = 24 zmm accumulators. 12 divides the row
// block (gemmMC = 60), and 32 columns are four panels.
const (
	MR512 = 12
	NR512 = 32
)

func gemmName512(mr, nr int) string { return fmt.Sprintf("gemm%dx%dAVX512", mr, nr) }

// zacc is the accumulator of row i, vector v of an mr-row tile: Z0… skipping Z15.
func zacc(mr, i, v int) string {
	n := v*mr + i
	if n >= 15 {
		n++
	}
	return fmt.Sprintf("Z%d", n)
}

// rowAddr4 is the address of row i from four bases (rows 0, 3, 6, 9) and ld in bytes in ldReg.
func rowAddr4(i, disp int, bases [4]string, ldReg string) string {
	base, r := bases[i/3], i%3
	d := ""
	if disp != 0 {
		d = fmt.Sprint(disp)
	}
	if r == 0 {
		return fmt.Sprintf("%s(%s)", d, base)
	}
	return fmt.Sprintf("%s(%s)(%s*%d)", d, base, ldReg, r)
}

// setBases points the four row bases at ptr + {0, 3, 6, 9}·ld (ld in bytes in ldReg), as far
// as mr rows need them; tmp is scratch.
func (g *gen) setBases(mr int, ptr string, bases [4]string, ldReg, tmp string) {
	if bases[0] != ptr {
		g.op("MOVQ %s, %s", ptr, bases[0])
	}
	if mr > 3 {
		g.op("LEAQ (%[1]s)(%[1]s*2), %[2]s", ldReg, tmp) // 3·ld
		for b := 1; b*3 < mr; b++ {
			g.op("LEAQ (%s)(%s*1), %s", bases[b-1], tmp, bases[b])
		}
	}
}

// disp formats a displacement for an address with no leading number when it is 0.
func disp(d int, rest string) string {
	if d == 0 {
		return rest
	}
	return fmt.Sprint(d) + rest
}

// gemmTile512 emits the mr×nr tile (nr 16 or 32). Loop registers: SI, DI, R12, R13 the A row
// bases, BX lda in bytes, R8 the panel row, R10 the panel stride (32·kc bytes), R9 three
// strides, CX and DX the loop counts; the epilogue reuses them.
func (g *gen) gemmTile512(mr, nr int) {
	nv := nr / 16
	aBases := [4]string{"SI", "DI", "R12", "R13"}
	g.arg(gemmParams, "a", "SI")
	g.arg(gemmParams, "lda", "BX")
	g.op("SHLQ $2, BX")
	g.setBases(mr, "SI", aBases, "BX", "AX")
	g.arg(gemmParams, "b", "R8")
	g.arg(gemmParams, "kc", "CX")
	g.op("MOVQ CX, R10")
	g.op("SHLQ $5, R10")
	g.op("LEAQ (R10)(R10*2), R9")
	for v := range nv {
		for i := range mr {
			g.op("VPXORD %[1]s, %[1]s, %[1]s", zacc(mr, i, v))
		}
	}
	step := func(u int) {
		d := 32 * u
		g.op("VBROADCASTF64X4 %s, Z30", disp(d, "(R8)"))
		g.op("VINSERTF64X4 $1, %s, Z30, Z30", disp(d, "(R8)(R10*1)"))
		if nv == 2 {
			g.op("VBROADCASTF64X4 %s, Z31", disp(d, "(R8)(R10*2)"))
			g.op("VINSERTF64X4 $1, %s, Z31, Z31", disp(d, "(R8)(R9*1)"))
		}
		for i := range mr {
			g.op("VBROADCASTSS %s, Z29", rowAddr4(i, 4*u, aBases, "BX"))
			for v := range nv {
				g.op("VFMADD231PS Z%d, Z29, %s", 30+v, zacc(mr, i, v))
			}
		}
	}
	advance := func(n int) {
		for b := 0; b*3 < mr; b++ {
			g.op("ADDQ $%d, %s", 4*n, aBases[b])
		}
		g.op("ADDQ $%d, R8", 32*n)
	}
	g.op("MOVQ CX, DX")
	g.op("SHRQ $%d, DX", log2(KUnroll))
	g.op("JZ tail")
	g.label("loop")
	for u := range KUnroll {
		step(u)
	}
	advance(KUnroll)
	g.op("DECQ DX")
	g.op("JNZ loop")
	g.label("tail")
	g.op("ANDQ $%d, CX", KUnroll-1)
	g.op("JZ epilogue")
	g.label("tailloop")
	step(0)
	advance(1)
	g.op("DECQ CX")
	g.op("JNZ tailloop")

	// Epilogue, in gemm_f32's order: x = C + x (Acc), + bias, + residual, max(x, 0) (NaN kept).
	g.label("epilogue")
	each := func(f func(i, v int)) {
		for i := range mr {
			for v := range nv {
				f(i, v)
			}
		}
	}
	cBases := [4]string{"SI", "DI", "R12", "R13"}
	g.arg(gemmParams, "c", "R11")
	g.arg(gemmParams, "ldc", "BX")
	g.op("SHLQ $2, BX")
	g.setBases(mr, "R11", cBases, "BX", "AX")
	g.arg(gemmParams, "flags", "DX")
	g.op("TESTQ $%d, DX", flagAcc)
	g.op("JZ noacc")
	each(func(i, v int) {
		g.op("VADDPS %s, %s, %s", rowAddr4(i, 64*v, cBases, "BX"), zacc(mr, i, v), zacc(mr, i, v))
	})
	g.label("noacc")
	g.op("TESTQ $%d, DX", flagBias)
	g.op("JZ nobias")
	g.arg(gemmParams, "bias", "AX")
	for v := range nv {
		g.op("VMOVUPS %s, Z%d", disp(64*v, "(AX)"), 30+v)
	}
	each(func(i, v int) { g.op("VADDPS Z%d, %s, %s", 30+v, zacc(mr, i, v), zacc(mr, i, v)) })
	g.label("nobias")
	g.op("TESTQ $%d, DX", flagResidual)
	g.op("JZ nores")
	rBases := [4]string{"R8", "R9", "R10", "CX"}
	g.arg(gemmParams, "res", "R8")
	g.arg(gemmParams, "ldres", "AX")
	g.op("SHLQ $2, AX")
	g.setBases(mr, "R8", rBases, "AX", "R11")
	each(func(i, v int) {
		g.op("VADDPS %s, %s, %s", rowAddr4(i, 64*v, rBases, "AX"), zacc(mr, i, v), zacc(mr, i, v))
	})
	g.label("nores")
	g.op("TESTQ $%d, DX", flagReLU)
	g.op("JZ store")
	g.op("VPXORD Z29, Z29, Z29")
	each(func(i, v int) { g.op("VMAXPS %s, Z29, %s", zacc(mr, i, v), zacc(mr, i, v)) }) // max(0, x): x when NaN
	g.label("store")
	each(func(i, v int) { g.op("VMOVUPS %s, %s", zacc(mr, i, v), rowAddr4(i, 64*v, cBases, "BX")) })
	g.op("VZEROUPPER")
	g.op("RET")
}
