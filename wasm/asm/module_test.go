// Encode → instantiate in wazero → call: the encoder's output must be a valid module that computes
// what the instructions say. wazero validates every module it compiles (types, labels, alignment).
package asm

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// instantiate links m's encoding against a fresh 1-page "env.memory" and returns the instance.
func instantiate(t *testing.T, m *Module) (api.Module, api.Memory) {
	t.Helper()
	bin, err := m.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	env, err := rt.InstantiateWithConfig(ctx, MemoryExporter("memory", 1), wazero.NewModuleConfig().WithName("env"))
	if err != nil {
		t.Fatalf("env: %v", err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig().WithName("k"))
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	return mod, env.Memory()
}

func call(t *testing.T, mod api.Module, name string, args ...uint64) []uint64 {
	t.Helper()
	res, err := mod.ExportedFunction(name).Call(context.Background(), args...)
	if err != nil {
		t.Fatalf("%s%v: %v", name, args, err)
	}
	return res
}

func TestAddAndSignature(t *testing.T) {
	m := NewModule()
	m.ImportMemory("env", "memory", 1)
	f := m.Func("add", []ValType{I32, I32}, []ValType{I32})
	f.LocalGet(f.Param(0)).LocalGet(f.Param(1)).Op(I32Add)
	m.Export("add", f)
	mod, _ := instantiate(t, m)
	for _, c := range [][3]int32{{1, 2, 3}, {-5, 3, -2}, {math.MaxInt32, 1, math.MinInt32}} {
		if got := int32(call(t, mod, "add", api.EncodeI32(c[0]), api.EncodeI32(c[1]))[0]); got != c[2] {
			t.Errorf("add(%d,%d) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
}

// sumTo(n) = 1+…+n with a block/loop/br_if and a nested if that skips multiples of skip.
func TestLoopLabelsAndIf(t *testing.T) {
	m := NewModule()
	m.ImportMemory("env", "memory", 1)
	f := m.Func("sum", []ValType{I32, I32}, []ValType{I32})
	n, skip := f.Param(0), f.Param(1)
	i, acc := f.NewLocal(I32), f.NewLocal(I32)
	done := f.Block()
	f.LocalGet(n).I32Const(1).Op(I32LtS).BrIf(done)
	loop := f.Loop()
	f.LocalGet(i).I32Const(1).Op(I32Add).LocalSet(i)
	f.LocalGet(i).LocalGet(skip).Op(I32RemS)
	notMultiple := f.If()
	f.LocalGet(acc).LocalGet(i).Op(I32Add).LocalSet(acc)
	f.Else(notMultiple)
	f.LocalGet(acc).I32Const(1000).Op(I32Add).LocalSet(acc) // multiples count 1000
	f.End(notMultiple)
	f.LocalGet(i).LocalGet(n).Op(I32LtS).BrIf(loop)
	f.End(loop)
	f.End(done)
	f.LocalGet(acc)
	m.Export("sum", f)
	mod, _ := instantiate(t, m)
	for _, c := range []struct{ n, skip int32 }{{0, 3}, {1, 3}, {2, 3}, {10, 3}, {17, 5}, {100, 7}} {
		want := int32(0)
		for k := int32(1); k <= c.n; k++ {
			if k%c.skip != 0 {
				want += k
			} else {
				want += 1000
			}
		}
		if got := int32(call(t, mod, "sum", api.EncodeI32(c.n), api.EncodeI32(c.skip))[0]); got != want {
			t.Errorf("sum(%d,%d) = %d, want %d", c.n, c.skip, got, want)
		}
	}
}

// axpyMax(dst, x, y, a): for 8 lanes, dst = max(splat(a)*x + y, const) via v128 ops, memargs with
// offsets, load32_splat, extract/replace lanes, and an internal call.
func TestVectorOps(t *testing.T) {
	m := NewModule()
	m.ImportMemory("env", "memory", 1)
	double := m.Func("double", []ValType{V128}, []ValType{V128})
	double.LocalGet(double.Param(0)).LocalGet(double.Param(0)).Op(F32x4Add)

	f := m.Func("kernel", []ValType{I32, I32, I32, I32}, nil)
	dst, x, y, a := f.Param(0), f.Param(1), f.Param(2), f.Param(3)
	s := f.NewLocal(V128)
	f.LocalGet(a).Mem(V128Load32Splat, MemArg{Offset: 0, Align: 2}).LocalSet(s)
	for v := uint32(0); v < 2; v++ {
		f.LocalGet(dst)
		f.LocalGet(s).LocalGet(x).Mem(V128Load, MemArg{Offset: 16 * v, Align: 2}).Op(F32x4Mul)
		f.LocalGet(y).Mem(V128Load, MemArg{Offset: 16 * v, Align: 4}).Op(F32x4Add)
		f.F32x4Const(0, 1, -1e30, 2).Op(F32x4Max)
		f.Mem(V128Store, MemArg{Offset: 16 * v, Align: 2})
	}
	// dst[8] = lane 3 of double(x[0:4]) ; dst[9] = f32(i32 from replace_lane)
	f.LocalGet(dst)
	f.LocalGet(x).Mem(V128Load, MemArg{Align: 4}).Call(double).Lane(F32x4ExtractLane, 3)
	f.Mem(F32Store, MemArg{Offset: 32, Align: 2})
	f.LocalGet(dst)
	f.I32Const(0).Op(I32x4Splat).I32Const(-7).Lane(I32x4ReplaceLane, 2).Lane(I32x4ExtractLane, 2)
	f.Op(F32ConvertI32S).Mem(F32Store, MemArg{Offset: 36, Align: 2})
	// dst[10] = lane 2 of f32x4.splat(x[1]) * splat
	f.LocalGet(dst).LocalGet(x).Mem(F32Load, MemArg{Offset: 4, Align: 2}).Op(F32x4Splat).LocalGet(s).Op(F32x4Mul)
	f.Lane(F32x4ExtractLane, 2).Mem(F32Store, MemArg{Offset: 40, Align: 2})
	m.Export("kernel", f)
	mod, mem := instantiate(t, m)

	xs := []float32{1, -2, 3, -4, 5, -6, 7, -8}
	ys := []float32{0.5, 0.5, 0.5, 0.5, -100, 100, 0, 0}
	const A = 1.5
	put := func(addr uint32, vals ...float32) {
		for i, v := range vals {
			mem.WriteFloat32Le(addr+4*uint32(i), v)
		}
	}
	put(1000, xs...)
	put(2000, ys...)
	put(3000, A)
	call(t, mod, "kernel", 4000, 1000, 2000, 3000)
	lo := []float32{0, 1, -1e30, 2, 0, 1, -1e30, 2}
	for i := range xs {
		want := float32(math.Max(float64(A*xs[i]+ys[i]), float64(lo[i])))
		got, _ := mem.ReadFloat32Le(4000 + 4*uint32(i))
		if got != want {
			t.Errorf("lane %d = %v, want %v", i, got, want)
		}
	}
	if got, _ := mem.ReadFloat32Le(4032); got != 2*xs[3] {
		t.Errorf("extract_lane(double) = %v, want %v", got, 2*xs[3])
	}
	if got, _ := mem.ReadFloat32Le(4036); got != -7 {
		t.Errorf("replace/extract i32 lane = %v, want -7", got)
	}
	if got, _ := mem.ReadFloat32Le(4040); got != A*xs[1] {
		t.Errorf("splat lane = %v, want %v", got, A*xs[1])
	}
	if got, _ := mem.ReadFloat32Le(4044); got != 0 {
		t.Errorf("wrote past the output: %v", got)
	}
}

// int8 → f32 widening, as the dequantization kernels use it.
func TestWideningOps(t *testing.T) {
	m := NewModule()
	m.ImportMemory("env", "memory", 1)
	f := m.Func("widen", []ValType{I32, I32}, nil)
	dst, src := f.Param(0), f.Param(1)
	w := f.NewLocal(V128)
	f.LocalGet(src).Mem(V128Load8x8S, MemArg{Align: 0}).LocalSet(w)
	f.LocalGet(dst).LocalGet(w).Op(I32x4ExtendLowI16x8S).Op(F32x4ConvertI32x4S).Mem(V128Store, MemArg{})
	f.LocalGet(dst).LocalGet(w).Op(I32x4ExtendHighI16x8S).Op(F32x4ConvertI32x4S).Mem(V128Store, MemArg{Offset: 16})
	f.LocalGet(dst).LocalGet(src).Mem(V128Load, MemArg{}).Op(I16x8ExtendHighI8x16S).Op(I32x4ExtendLowI16x8S).
		Op(F32x4ConvertI32x4S).Mem(V128Store, MemArg{Offset: 32})
	m.Export("widen", f)
	mod, mem := instantiate(t, m)
	in := []int8{-128, -1, 0, 1, 127, -77, 42, 5, 9, -9, 100, -100, 3, 3, 3, 3}
	for i, v := range in {
		mem.WriteByte(100+uint32(i), byte(v))
	}
	call(t, mod, "widen", 200, 100)
	for i := 0; i < 12; i++ {
		got, _ := mem.ReadFloat32Le(200 + 4*uint32(i))
		if got != float32(in[i]) {
			t.Errorf("element %d = %v, want %v", i, got, in[i])
		}
	}
}

func TestEncoderRecordsMistakes(t *testing.T) {
	cases := map[string]func(m *Module){
		"branch to closed label": func(m *Module) {
			f := m.Func("f", nil, nil)
			b := f.Block()
			f.End(b)
			f.Br(b)
		},
		"end of outer label": func(m *Module) {
			f := m.Func("f", nil, nil)
			outer := f.Block()
			f.Block()
			f.End(outer)
		},
		"unclosed block": func(m *Module) { m.Func("f", nil, nil).Block() },
		"op with immediate via Op": func(m *Module) {
			m.Func("f", nil, nil).Op(V128Load)
		},
		"over-aligned load": func(m *Module) {
			m.Func("f", []ValType{I32}, nil).I32Const(0).Mem(V128Load32Splat, MemArg{Align: 4})
		},
		"lane out of range": func(m *Module) {
			m.Func("f", nil, nil).Lane(F32x4ExtractLane, 4)
		},
		"else on a block": func(m *Module) {
			f := m.Func("f", nil, nil)
			b := f.Block()
			f.Else(b)
			f.End(b)
		},
		"local of another function": func(m *Module) {
			g := m.Func("g", []ValType{I32}, nil)
			m.Func("f", nil, nil).LocalGet(g.Param(0))
		},
		"duplicate export": func(m *Module) {
			f := m.Func("f", nil, nil)
			m.Export("x", f)
			m.Export("x", f)
		},
		"memory imported twice": func(m *Module) {
			m.ImportMemory("env", "memory", 1)
			m.ImportMemory("env", "memory", 1)
		},
	}
	for name, build := range cases {
		m := NewModule()
		build(m)
		if _, err := m.Encode(); err == nil {
			t.Errorf("%s: Encode succeeded", name)
		}
	}
}

func TestMemoryImportHasNoMaximum(t *testing.T) {
	m := NewModule()
	m.ImportMemory("env", "memory", 17)
	m.Export("f", m.Func("f", nil, nil))
	bin, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(bin)
	if err != nil {
		t.Fatal(err)
	}
	if d.MemModule != "env" || d.MemName != "memory" || d.MemMinPages != 17 || d.MemHasMax {
		t.Errorf("memory import = %s.%s min %d max? %v", d.MemModule, d.MemName, d.MemMinPages, d.MemHasMax)
	}
}

func TestRelaxedMaddEncoding(t *testing.T) {
	m := NewModule()
	f := m.Func("fma", []ValType{V128, V128, V128}, []ValType{V128})
	f.LocalGet(f.Param(0)).LocalGet(f.Param(1)).LocalGet(f.Param(2)).Op(F32x4RelaxedMadd)
	bin, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// local.get 2 then 0xFD 0x105 (LEB128 85 02) then end.
	if !bytes.Contains(bin, []byte{0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b}) {
		t.Errorf("relaxed_madd not encoded as fd 85 02: % x", bin)
	}
	if !F32x4RelaxedMadd.IsRelaxed() || F32x4Mul.IsRelaxed() {
		t.Error("IsRelaxed misclassifies")
	}
	d, err := Decode(bin)
	if err != nil {
		t.Fatal(err)
	}
	if body := d.Funcs[0].Body; len(body) != 4 || body[3].Op != F32x4RelaxedMadd {
		t.Errorf("decoded body %v", body)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	m := NewModule()
	m.ImportMemory("env", "memory", 1)
	f := m.Func("first", []ValType{I32, F32}, []ValType{I32})
	l := f.NewLocal(V128)
	f.NewLocal(V128)
	f.NewLocal(I32)
	b := f.Block()
	f.I32Const(-300).I64Const(1 << 40).Op(Drop).Op(Drop)
	f.F32Const(1.5).LocalGet(f.Param(1)).Op(F32Add).Op(Drop)
	f.LocalGet(f.Param(0)).Mem(V128Load, MemArg{Offset: 48, Align: 4}).LocalSet(l)
	f.LocalGet(l).LocalGet(l).I8x16Shuffle([16]byte{0, 1, 2, 3, 16, 17, 18, 19}).Op(Drop)
	f.LocalGet(f.Param(0)).LocalGet(l).MemLane(V128Store32Lane, MemArg{Align: 2}, 3)
	f.Br(b)
	f.End(b)
	f.LocalGet(f.Param(0))
	g := m.Func("second", nil, nil)
	m.Export("one", f)
	m.Export("two", g)
	bin, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	mod, _ := instantiate(t, m) // wazero accepts it
	_ = mod
	d, err := Decode(bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Funcs) != 2 || d.Funcs[0].Name != "first" || d.Funcs[1].Name != "second" {
		t.Fatalf("funcs = %+v", d.Funcs)
	}
	if d.Exports["one"] != 0 || d.Exports["two"] != 1 {
		t.Errorf("exports = %v", d.Exports)
	}
	if got := d.Funcs[0].Locals; len(got) != 3 || got[0] != V128 || got[2] != I32 {
		t.Errorf("locals = %v", got)
	}
	if got := d.Funcs[0].Type; len(got.Params) != 2 || got.Params[1] != F32 || len(got.Results) != 1 {
		t.Errorf("type = %v", got)
	}
	var names []string
	for _, in := range d.Funcs[0].Body {
		names = append(names, in.Op.String())
	}
	want := "block i32.const i64.const drop drop f32.const local.get f32.add drop local.get v128.load local.set " +
		"local.get local.get i8x16.shuffle drop local.get local.get v128.store32_lane br end local.get"
	if strings.Join(names, " ") != want {
		t.Errorf("decoded\n%s\nwant\n%s", strings.Join(names, " "), want)
	}
	if v := int32(binary.LittleEndian.Uint32(d.Funcs[0].Body[5].Imm)); math.Float32frombits(uint32(v)) != 1.5 {
		t.Errorf("f32.const immediate % x", d.Funcs[0].Body[5].Imm)
	}
	// A module cut anywhere but between sections is an error, never a panic.
	boundary := map[int]bool{}
	for pos := 8; pos < len(bin); {
		boundary[pos] = true
		size, n, err := readU32(bin[pos+1:])
		if err != nil {
			t.Fatal(err)
		}
		pos += 1 + n + int(size)
	}
	for cut := 9; cut < len(bin); cut++ {
		if _, err := Decode(bin[:cut]); err == nil && !boundary[cut] {
			t.Errorf("Decode of %d/%d bytes succeeded", cut, len(bin))
		}
	}
}
