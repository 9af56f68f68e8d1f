// bias_act_f32: the GEMM epilogue as a separate pass over a row-major block, for results that did
// not come out of gemm_f32 (or when the caller prefers to run it once after all K blocks).
// Semantics: the flags of gemm_f32 (gen.go) minus FlagAcc: x = act((C + bias[j]) + res[i][j]).
package gen

import "github.com/graftml/graft/wasm/asm"

// biasAct emits bias_act_f32(c, ldc, m, n, flags, bias, res, ldres).
func (g *generator) biasAct(f *asm.Func) {
	c, ldc, m, n, flags, bias, res, ldres := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4),
		f.Param(5), f.Param(6), f.Param(7)
	i32 := func() asm.Local { return f.NewLocal(asm.I32) }
	ldc4, ldr4, crow, rrow, kk, p, b, r, cnt := i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()
	x, zero := f.NewLocal(asm.V128), f.NewLocal(asm.V128)
	shl2(f, ldc4, ldc)
	shl2(f, ldr4, ldres)
	set(f, crow, c, 0)
	set(f, rrow, res, 0)
	set(f, kk, m, 0)
	// step pushes nothing; it transforms x in place (whole: vector loads; else the first cnt lanes).
	step := func(whole bool) {
		load := func(ptr asm.Local) {
			if whole {
				f.LocalGet(ptr).Mem(asm.V128Load, f32Mem(0))
			} else {
				f.LocalGet(ptr).LocalGet(cnt).Call(g.loadLanes)
			}
		}
		load(p)
		f.LocalSet(x)
		for _, flag := range []struct {
			bit int
			ptr asm.Local
		}{{FlagBias, b}, {FlagResidual, r}} {
			flagSet(f, flags, flag.bit)
			ifThen(f, func() {
				f.LocalGet(x)
				load(flag.ptr)
				f.Op(asm.F32x4Add).LocalSet(x)
			})
		}
		flagSet(f, flags, FlagReLU)
		ifThen(f, func() { f.LocalGet(x).LocalGet(zero).Op(asm.F32x4Max).LocalSet(x) })
		if whole {
			f.LocalGet(p).LocalGet(x).Mem(asm.V128Store, f32Mem(0))
		} else {
			f.LocalGet(p).LocalGet(x).LocalGet(cnt).Call(g.storeLanes)
		}
	}
	whileLoop(f, atLeast(f, kk, 1), func() {
		set(f, p, crow, 0)
		set(f, b, bias, 0)
		set(f, r, rrow, 0)
		set(f, cnt, n, 0)
		whileLoop(f, atLeast(f, cnt, 4), func() {
			step(true)
			inc(f, p, 16)
			inc(f, b, 16)
			inc(f, r, 16)
			inc(f, cnt, -4)
		})
		f.LocalGet(cnt).I32Const(0).Op(asm.I32GtS)
		ifThen(f, func() { step(false) })
		incBy(f, crow, ldc4)
		incBy(f, rrow, ldr4)
		inc(f, kk, -1)
	})
}
