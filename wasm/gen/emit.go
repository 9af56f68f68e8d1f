// Emitting helpers shared by the kernels: loop shapes, pointer bumps, and the module-internal
// functions for partial vectors and short copies. Instruction semantics: WebAssembly Core
// Specification 2.0 §4.4 (numeric and vector instructions).
package gen

import "github.com/graftml/graft/wasm/asm"

// f32 memory access with 4-byte alignment: every float the kernels touch is element-aligned in a
// Go []float32, and nothing is promised beyond that (alignment is a hint; V8 and wazero use
// unaligned vector loads either way).
func f32Mem(off int) asm.MemArg { return asm.MemArg{Offset: uint32(off), Align: 2} }

// byteMem is an int8 access (and the 8-byte int8 groups of load8x8_s), 1-byte aligned.
func byteMem(off int) asm.MemArg { return asm.MemArg{Offset: uint32(off), Align: 0} }

// inc emits x += c.
func inc(f *asm.Func, x asm.Local, c int) {
	if c != 0 {
		f.LocalGet(x).I32Const(int32(c)).Op(asm.I32Add).LocalSet(x)
	}
}

// incBy emits x += y.
func incBy(f *asm.Func, x, y asm.Local) {
	f.LocalGet(x).LocalGet(y).Op(asm.I32Add).LocalSet(x)
}

// set emits x = y + c.
func set(f *asm.Func, x, y asm.Local, c int) {
	f.LocalGet(y)
	if c != 0 {
		f.I32Const(int32(c)).Op(asm.I32Add)
	}
	f.LocalSet(x)
}

// shl2 emits x = y << 2 (elements to bytes for float32).
func shl2(f *asm.Func, x, y asm.Local) {
	f.LocalGet(y).I32Const(2).Op(asm.I32Shl).LocalSet(x)
}

// whileLoop emits `while cond { body }` as a guard and a do-while, one branch per iteration.
// cond must push an i32 (non-zero: run the body).
func whileLoop(f *asm.Func, cond, body func()) {
	exit := f.Block()
	cond()
	f.Op(asm.I32Eqz).BrIf(exit)
	loop := f.Loop()
	body()
	cond()
	f.BrIf(loop)
	f.End(loop)
	f.End(exit)
}

// atLeast returns a cond for whileLoop: x >= c (signed).
func atLeast(f *asm.Func, x asm.Local, c int) func() {
	return func() { f.LocalGet(x).I32Const(int32(c)).Op(asm.I32GeS) }
}

// less returns a cond: x < y (signed).
func less(f *asm.Func, x, y asm.Local) func() {
	return func() { f.LocalGet(x).LocalGet(y).Op(asm.I32LtS) }
}

// ifThen emits `if cond { body }`; cond has already pushed its i32.
func ifThen(f *asm.Func, body func()) {
	l := f.If()
	body()
	f.End(l)
}

// flagSet pushes flags & bit.
func flagSet(f *asm.Func, flags asm.Local, bit int) {
	f.LocalGet(flags).I32Const(int32(bit)).Op(asm.I32And)
}

// helpers adds the internal (not exported) functions.
func (g *generator) helpers() {
	i32, v128 := asm.I32, asm.V128

	// load_lanes(addr, count) -> v128
	f := g.m.Func("load_lanes", []asm.ValType{i32, i32}, []asm.ValType{v128})
	addr, count := f.Param(0), f.Param(1)
	v := f.NewLocal(v128) // zero
	done := f.Block()
	for lane := 0; lane < 4; lane++ {
		f.LocalGet(count).I32Const(int32(lane)).Op(asm.I32LeS).BrIf(done)
		f.LocalGet(v).LocalGet(addr).Mem(asm.F32Load, f32Mem(4*lane)).Lane(asm.F32x4ReplaceLane, byte(lane)).LocalSet(v)
	}
	f.End(done)
	f.LocalGet(v)
	g.loadLanes = f

	// store_lanes(addr, v, count)
	f = g.m.Func("store_lanes", []asm.ValType{i32, v128, i32}, nil)
	addr, v, count = f.Param(0), f.Param(1), f.Param(2)
	done = f.Block()
	for lane := 0; lane < 4; lane++ {
		f.LocalGet(count).I32Const(int32(lane)).Op(asm.I32LeS).BrIf(done)
		f.LocalGet(addr).LocalGet(v).Lane(asm.F32x4ExtractLane, byte(lane)).Mem(asm.F32Store, f32Mem(4*lane))
	}
	f.End(done)
	g.storeLanes = f

	// copy_f32(dst, src, count) and zero_f32(dst, count): 16, then 4 floats at a time, then one.
	for _, zero := range []bool{false, true} {
		var dst, src, count asm.Local
		if zero {
			f = g.m.Func("zero_f32", []asm.ValType{i32, i32}, nil)
			dst, count = f.Param(0), f.Param(1)
		} else {
			f = g.m.Func("copy_f32", []asm.ValType{i32, i32, i32}, nil)
			dst, src, count = f.Param(0), f.Param(1), f.Param(2)
		}
		f := f
		for _, step := range []int{16, 4, 1} {
			whileLoop(f, atLeast(f, count, step), func() {
				for off := 0; off < 4*step; off += 16 {
					f.LocalGet(dst)
					switch {
					case zero && step == 1:
						f.F32Const(0).Mem(asm.F32Store, f32Mem(off))
					case zero:
						f.F32x4Const(0, 0, 0, 0).Mem(asm.V128Store, f32Mem(off))
					case step == 1:
						f.LocalGet(src).Mem(asm.F32Load, f32Mem(off)).Mem(asm.F32Store, f32Mem(off))
					default:
						f.LocalGet(src).Mem(asm.V128Load, f32Mem(off)).Mem(asm.V128Store, f32Mem(off))
					}
				}
				inc(f, dst, 4*step)
				if !zero {
					inc(f, src, 4*step)
				}
				inc(f, count, -step)
			})
		}
		if zero {
			g.zeroF32 = f
		} else {
			g.copyF32 = f
		}
	}

	// add_f32(dst, src, count): dst[i] += src[i] for count floats, forward (col2im_f32).
	f = g.m.Func("add_f32", []asm.ValType{i32, i32, i32}, nil)
	dst, src, count := f.Param(0), f.Param(1), f.Param(2)
	for _, step := range []int{16, 4, 1} {
		load, add, store := asm.V128Load, asm.F32x4Add, asm.V128Store
		if step == 1 {
			load, add, store = asm.F32Load, asm.F32Add, asm.F32Store
		}
		whileLoop(f, atLeast(f, count, step), func() {
			for off := 0; off < 4*step; off += 16 {
				f.LocalGet(dst)
				f.LocalGet(dst).Mem(load, f32Mem(off)).LocalGet(src).Mem(load, f32Mem(off)).Op(add)
				f.Mem(store, f32Mem(off))
			}
			inc(f, dst, 4*step)
			inc(f, src, 4*step)
			inc(f, count, -step)
		})
	}
	g.addF32 = f
}

// laneCount emits dst = clamp(ncol - lo, 0, 4): how many lanes of the vector starting at column lo
// of a partial tile are inside the matrix.
func laneCount(f *asm.Func, dst, ncol asm.Local, lo int) {
	f.LocalGet(ncol).I32Const(int32(lo)).Op(asm.I32Sub).LocalSet(dst)
	f.LocalGet(dst).I32Const(0).LocalGet(dst).I32Const(0).Op(asm.I32GtS).Op(asm.Select).LocalSet(dst)
	f.LocalGet(dst).I32Const(4).LocalGet(dst).I32Const(4).Op(asm.I32LtS).Op(asm.Select).LocalSet(dst)
}
