// gemm_f32: the register-blocked SIMD128 GEMM macro-kernel. One call computes a whole
// (row block) × (packed column block) × (K block) product, looping over the NR-wide panels of B
// (outer) and the MR-row tiles of A (inner), so that the per-call cost of Go→JS→wasm (~20–35 ns)
// is paid once per ~10^5–10^7 flops. Blocking scheme: Goto & van de Geijn, "Anatomy of
// High-Performance Matrix Multiplication" (ACM TOMS 34(3), 2008); the same nest as
// core/kernels/gemm_blocked.go, whose jr/ir loops this kernel replaces.
//
// Micro-tile: MR×NR accumulators in MR*NV v128 locals (V8 keeps them in its 15 xmm registers as
// long as the accumulators, the NV panel vectors and the splats TurboFan loads ahead of a basic
// block's multiply-adds fit: MR splats per step, or max(Split, MR-Split) when Split cuts each step
// in two blocks; plus a product temporary for mul+add). Per K step: NV v128 loads of the panel
// row, MR v128.load32_splat of A[i][p], MR*NV multiply-adds. K is unrolled by KUnroll through
// memarg offsets.
package gen

import "github.com/graftml/graft/wasm/asm"

type gemmLocals struct {
	a, lda, b, ldp, c, ldc, m, n, k, flags, bias, res, ldres asm.Local

	lda4, ldc4, ldr4, ldp4 asm.Local // strides in bytes
	j, ncol                asm.Local // panel's first column, columns left (n - j)
	bpan, cj, rj, biasj    asm.Local // panel, and C/res/bias at column j
	i, arow, crow, rrow    asm.Local // tile's first row, and A/C/res at row i
	kk, bptr, p, cnt       asm.Local
	ap                     []asm.Local // A row pointers of the tile
	acc                    [][]asm.Local
	bv                     []asm.Local // panel row vectors
	s, zero                asm.Local   // splat of A[i][p]; a zero vector
}

func (g *generator) gemm(f *asm.Func) {
	cfg := g.cfg
	var l gemmLocals
	ps := []*asm.Local{&l.a, &l.lda, &l.b, &l.ldp, &l.c, &l.ldc, &l.m, &l.n, &l.k, &l.flags, &l.bias, &l.res, &l.ldres}
	for i, p := range ps {
		*p = f.Param(i)
	}
	for _, p := range []*asm.Local{&l.lda4, &l.ldc4, &l.ldr4, &l.ldp4, &l.j, &l.ncol, &l.bpan, &l.cj, &l.rj,
		&l.biasj, &l.i, &l.arow, &l.crow, &l.rrow, &l.kk, &l.bptr, &l.p, &l.cnt} {
		*p = f.NewLocal(asm.I32)
	}
	for r := 0; r < cfg.MR; r++ {
		l.ap = append(l.ap, f.NewLocal(asm.I32))
	}
	l.acc = make([][]asm.Local, cfg.MR)
	for r := range l.acc {
		for v := 0; v < cfg.NV; v++ {
			l.acc[r] = append(l.acc[r], f.NewLocal(asm.V128))
		}
	}
	for v := 0; v < cfg.NV; v++ {
		l.bv = append(l.bv, f.NewLocal(asm.V128))
	}
	l.s, l.zero = f.NewLocal(asm.V128), f.NewLocal(asm.V128) // locals start as zero vectors

	shl2(f, l.lda4, l.lda)
	shl2(f, l.ldc4, l.ldc)
	shl2(f, l.ldr4, l.ldres)
	shl2(f, l.ldp4, l.ldp)
	set(f, l.bpan, l.b, 0)
	set(f, l.cj, l.c, 0)
	set(f, l.rj, l.res, 0)
	set(f, l.biasj, l.bias, 0)
	nr := cfg.NR()
	whileLoop(f, less(f, l.j, l.n), func() { // panels
		f.LocalGet(l.n).LocalGet(l.j).Op(asm.I32Sub).LocalSet(l.ncol)
		f.I32Const(0).LocalSet(l.i)
		set(f, l.arow, l.a, 0)
		set(f, l.crow, l.cj, 0)
		set(f, l.rrow, l.rj, 0)
		// Full row tiles: while m - i >= MR.
		whileLoop(f, func() { f.LocalGet(l.m).LocalGet(l.i).Op(asm.I32Sub).I32Const(int32(cfg.MR)).Op(asm.I32GeS) }, func() {
			g.gemmTile(f, &l, cfg.MR)
			inc(f, l.i, cfg.MR)
			for r := 0; r < cfg.MR; r++ {
				incBy(f, l.arow, l.lda4)
				incBy(f, l.crow, l.ldc4)
				incBy(f, l.rrow, l.ldr4)
			}
		})
		// The last 1..MR-1 rows.
		for rows := 1; rows < cfg.MR; rows++ {
			f.LocalGet(l.m).LocalGet(l.i).Op(asm.I32Sub).I32Const(int32(rows)).Op(asm.I32Eq)
			ifThen(f, func() { g.gemmTile(f, &l, rows) })
		}
		inc(f, l.j, nr)
		incBy(f, l.bpan, l.ldp4)
		inc(f, l.cj, 4*nr)
		inc(f, l.rj, 4*nr)
		inc(f, l.biasj, 4*nr)
	})
}

// gemmTile emits one rows×NR tile at (i, j): the K loop, then the epilogue and the store.
func (g *generator) gemmTile(f *asm.Func, l *gemmLocals, rows int) {
	cfg := g.cfg
	nr := cfg.NR()
	set(f, l.ap[0], l.arow, 0)
	for r := 1; r < rows; r++ {
		f.LocalGet(l.ap[r-1]).LocalGet(l.lda4).Op(asm.I32Add).LocalSet(l.ap[r])
	}
	set(f, l.bptr, l.bpan, 0)
	for r := 0; r < rows; r++ {
		for v := 0; v < cfg.NV; v++ {
			f.LocalGet(l.zero).LocalSet(l.acc[r][v])
		}
	}
	set(f, l.kk, l.k, 0)
	if split := cfg.Split; split > 0 && split < rows {
		g.gemmKSplit(f, l, rows, split)
	} else {
		g.gemmK(f, l, rows)
	}

	// Epilogue on whole tiles (ncol >= NR) with vector loads/stores, on the last panel's partial
	// tile lane by lane through load_lanes/store_lanes, which never touch memory past column n.
	f.LocalGet(l.ncol).I32Const(int32(nr)).Op(asm.I32GeS)
	whole := f.If()
	g.gemmEpilogue(f, l, rows, true)
	f.Else(whole)
	g.gemmEpilogue(f, l, rows, false)
	f.End(whole)
}

// madd emits acc += s*b: f32x4.mul then f32x4.add (baseline), or f32x4.relaxed_madd.
func (g *generator) madd(f *asm.Func, acc, s, b asm.Local) {
	if g.cfg.Relaxed {
		f.LocalGet(s).LocalGet(b).LocalGet(acc).Op(asm.F32x4RelaxedMadd).LocalSet(acc)
		return
	}
	f.LocalGet(acc).LocalGet(s).LocalGet(b).Op(asm.F32x4Mul).Op(asm.F32x4Add).LocalSet(acc)
}

// gemmEpilogue emits, for the tile's accumulators: + C (FlagAcc), + bias (FlagBias), + residual
// (FlagResidual), max(·, 0) (FlagReLU), then the store to C.
func (g *generator) gemmEpilogue(f *asm.Func, l *gemmLocals, rows int, whole bool) {
	cfg := g.cfg
	// load pushes the vector v of the row at ptr (the tile's columns 4v..4v+3).
	load := func(ptr asm.Local, v int) {
		if whole {
			f.LocalGet(ptr).Mem(asm.V128Load, f32Mem(16*v))
			return
		}
		laneCount(f, l.cnt, l.ncol, 4*v)
		f.LocalGet(ptr).I32Const(int32(16 * v)).Op(asm.I32Add).LocalGet(l.cnt).Call(g.loadLanes)
	}
	addRows := func(flag int, base, stride asm.Local) {
		flagSet(f, l.flags, flag)
		ifThen(f, func() {
			set(f, l.p, base, 0)
			for r := 0; r < rows; r++ {
				for v := 0; v < cfg.NV; v++ {
					f.LocalGet(l.acc[r][v])
					load(l.p, v)
					f.Op(asm.F32x4Add).LocalSet(l.acc[r][v])
				}
				if r+1 < rows {
					incBy(f, l.p, stride)
				}
			}
		})
	}
	addRows(FlagAcc, l.crow, l.ldc4)
	flagSet(f, l.flags, FlagBias)
	ifThen(f, func() {
		for v := 0; v < cfg.NV; v++ {
			load(l.biasj, v)
			f.LocalSet(l.bv[v])
		}
		for r := 0; r < rows; r++ {
			for v := 0; v < cfg.NV; v++ {
				f.LocalGet(l.acc[r][v]).LocalGet(l.bv[v]).Op(asm.F32x4Add).LocalSet(l.acc[r][v])
			}
		}
	})
	addRows(FlagResidual, l.rrow, l.ldr4)
	flagSet(f, l.flags, FlagReLU)
	ifThen(f, func() {
		for r := 0; r < rows; r++ {
			for v := 0; v < cfg.NV; v++ {
				f.LocalGet(l.acc[r][v]).LocalGet(l.zero).Op(asm.F32x4Max).LocalSet(l.acc[r][v])
			}
		}
	})
	set(f, l.p, l.crow, 0)
	for r := 0; r < rows; r++ {
		for v := 0; v < cfg.NV; v++ {
			if whole {
				f.LocalGet(l.p).LocalGet(l.acc[r][v]).Mem(asm.V128Store, f32Mem(16*v))
				continue
			}
			laneCount(f, l.cnt, l.ncol, 4*v)
			f.LocalGet(l.p).I32Const(int32(16 * v)).Op(asm.I32Add).LocalGet(l.acc[r][v]).LocalGet(l.cnt).Call(g.storeLanes)
		}
		if r+1 < rows {
			incBy(f, l.p, l.ldc4)
		}
	}
}

// gemmK emits the K loop of a rows×NR tile, unrolled KUnroll times with an exit test before each
// step after the first (so no remainder loop): while kk > 0 { step 0; if kk <= 1 break; step 1; …;
// bump pointers; kk -= U }. The tests between steps also keep TurboFan from hoisting every step's
// loads to the top of the body, which would need more than V8's 15 xmm registers and spill the
// accumulators.
func (g *generator) gemmK(f *asm.Func, l *gemmLocals, rows int) {
	cfg := g.cfg
	u := cfg.KUnroll
	exit := f.Block()
	f.LocalGet(l.kk).I32Const(0).Op(asm.I32LeS).BrIf(exit)
	loop := f.Loop()
	for s := 0; s < u; s++ {
		if s > 0 {
			f.LocalGet(l.kk).I32Const(int32(s)).Op(asm.I32LeS).BrIf(exit)
		}
		g.gemmStep(f, l, s, 0, rows)
	}
	g.gemmBump(f, l, rows)
	f.LocalGet(l.kk).I32Const(int32(u)).Op(asm.I32Sub).LocalTee(l.kk).I32Const(0).Op(asm.I32GtS).BrIf(loop)
	f.End(loop)
	f.End(exit)
}

// gemmKSplit is gemmK with every K step cut in two basic blocks: rows [0, split) — with the
// step's panel loads — then rows [split, rows). TurboFan issues a block's loads (which are on the
// effect chain) before its multiply-adds (pure, scheduled late), so an uncut step of 5 rows holds
// 10 accumulators + 2 panel vectors + 5 splats = 17 vectors and spills; cut, a block holds at most
// 10 + 2 + max(split, rows-split). The cut is the exit test of the next step, moved up into the
// middle of this one: if step s+1 does not exist, finish step s in a tail (one per s: the memarg
// offsets differ) and leave. Same tests as gemmK, same arithmetic in the same order per element.
func (g *generator) gemmKSplit(f *asm.Func, l *gemmLocals, rows, split int) {
	u := g.cfg.KUnroll
	exit := f.Block()
	f.LocalGet(l.kk).I32Const(0).Op(asm.I32LeS).BrIf(exit)
	tails := make([]*asm.Label, u)
	for s := u - 1; s >= 0; s-- { // tails[0] innermost
		tails[s] = f.Block()
	}
	loop := f.Loop()
	for s := 0; s < u; s++ {
		if s > 0 { // known false (tested before this step), but TurboFan cannot fold it: a block boundary
			f.LocalGet(l.kk).I32Const(int32(s + 1)).Op(asm.I32LtS).BrIf(exit)
		}
		g.gemmStep(f, l, s, 0, split)
		f.LocalGet(l.kk).I32Const(int32(s + 1)).Op(asm.I32LeS).BrIf(tails[s]) // no step s+1
		g.gemmStep(f, l, s, split, rows)
	}
	g.gemmBump(f, l, rows)
	f.LocalGet(l.kk).I32Const(int32(u)).Op(asm.I32Sub).LocalSet(l.kk)
	f.Br(loop)
	f.End(loop)
	for s := 0; s < u; s++ {
		f.End(tails[s])
		g.gemmStep(f, l, s, split, rows) // the panel row of step s is still in bv
		if s+1 < u {
			f.Br(exit)
		}
	}
	f.End(exit)
}

// gemmStep emits K step s (0 <= s < KUnroll) of the tile for rows [r0, r1): the panel row's NV
// vectors when r0 == 0, then per row the splat of A[i][p+s] and NV multiply-adds.
func (g *generator) gemmStep(f *asm.Func, l *gemmLocals, s, r0, r1 int) {
	cfg := g.cfg
	nr := cfg.NR()
	if r0 == 0 {
		for v := 0; v < cfg.NV; v++ {
			f.LocalGet(l.bptr).Mem(asm.V128Load, f32Mem(4*(s*nr+4*v))).LocalSet(l.bv[v])
		}
	}
	for r := r0; r < r1; r++ {
		f.LocalGet(l.ap[r]).Mem(asm.V128Load32Splat, f32Mem(4*s)).LocalSet(l.s)
		for v := 0; v < cfg.NV; v++ {
			g.madd(f, l.acc[r][v], l.s, l.bv[v])
		}
	}
}

// gemmBump advances the A row pointers and the panel pointer by KUnroll steps.
func (g *generator) gemmBump(f *asm.Func, l *gemmLocals, rows int) {
	u := g.cfg.KUnroll
	for r := 0; r < rows; r++ {
		inc(f, l.ap[r], 4*u)
	}
	inc(f, l.bptr, 4*u*g.cfg.NR())
}
