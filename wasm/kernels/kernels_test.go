// Equivalence tests: every kernel of the generated modules against its Go twin (ref.go) on the
// sweeps of cases_test.go — SIMD128 in wazero (always) and in Node/V8, relaxed SIMD in Node —
// and structural checks tying the modules to the calling convention in kernels_gen.go.
package kernels

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/graftml/graft/wasm/asm"
	"github.com/graftml/graft/wasm/gen"
)

// fmaSlack scales the rounding bound between a mul+add and an FMA dot product. Both are within
// γ_k·Σ|a·b| of the exact sum (γ_k ≈ k·2^-24, Higham, "Accuracy and Stability of Numerical
// Algorithms", §3.1); with inputs in [-2, 2), Σ|a·b| + |C| + |bias| + |res| <= 4k + 6; the two
// differ by at most twice that. A wrong index or lane is off by O(1), far above it.
const fmaSlack = 2.0

func fmaTol(k int) float64 { return fmaSlack * float64(k+3) * 0x1p-24 * float64(4*k+6) }

// tailBytes of sentinel after each case image catch writes past its last guard.
const tailBytes = 4096

type twinFunc func(fn string) func(mem []byte, args ...int32) error

func committedTwins(fn string) func(mem []byte, args ...int32) error { return Twins[fn] }

// runCases runs each case on e and on the twins and compares the memory images.
func runCases(t *testing.T, e engine, cases []kcase, twins twinFunc, relaxed bool) {
	t.Helper()
	failures := 0
	for _, c := range cases {
		img := append(append([]byte(nil), c.mem...), bytes.Repeat(binary.LittleEndian.AppendUint32(nil, sentinel), tailBytes/4)...)
		if err := e.write(0, img); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := append([]byte(nil), img...)
		for _, call := range c.calls {
			if err := e.call(call.fn, call.args...); err != nil {
				t.Fatalf("%s: %s: %v", c.name, call.fn, err)
			}
			twin := twins(call.fn)
			if twin == nil {
				t.Fatalf("%s: no twin for %s", c.name, call.fn)
			}
			if err := twin(want, call.args...); err != nil {
				t.Fatalf("%s: twin: %v", c.name, err)
			}
		}
		got, err := e.read(0, uint32(len(img)))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var fma []region
		if relaxed {
			fma = c.fma
		}
		if msg := compareImages(got, want, fma); msg != "" {
			t.Errorf("%s:\n%s", c.name, msg)
			if failures++; failures > 10 {
				t.Fatal("too many failures")
			}
		}
	}
}

// compareImages returns "" when got equals want byte for byte, except that words inside the fma
// regions may differ by fmaTol and NaN outputs in their payload; otherwise a description of the
// first differences.
func compareImages(got, want []byte, fma []region) string {
	tol := map[int]float64{}
	for _, r := range fma {
		for i := 0; i < r.rows; i++ {
			for j := 0; j < r.cols; j++ {
				tol[int(r.addr)+4*(i*r.ld+j)] = fmaTol(r.k)
			}
		}
	}
	var b bytes.Buffer
	diffs := 0
	for addr := 0; addr+4 <= len(got); addr += 4 {
		g, w := binary.LittleEndian.Uint32(got[addr:]), binary.LittleEndian.Uint32(want[addr:])
		if g == w {
			continue
		}
		gf, wf := math.Float32frombits(g), math.Float32frombits(w)
		if eps, ok := tol[addr]; ok && math.Abs(float64(gf)-float64(wf)) <= eps {
			continue
		}
		// A NaN result may carry any payload (WebAssembly 2.0 §4.3.3: NaN propagation is
		// nondeterministic), but it must be written: the sentinel NaN means it was not.
		if w != sentinel && g != sentinel && gf != gf && wf != wf {
			continue
		}
		if diffs++; diffs <= 5 {
			what := "output"
			if w == sentinel {
				what = "GUARD (must stay untouched)"
			}
			fmt.Fprintf(&b, "  @%d %s: got %v (%#08x), want %v (%#08x)\n", addr, what, gf, g, wf, w)
		}
	}
	if diffs > 5 {
		fmt.Fprintf(&b, "  … %d words differ\n", diffs)
	}
	return b.String()
}

func TestKernelsSIMD128Wazero(t *testing.T) {
	runCases(t, newWazero(t, SIMD128), allCases(), committedTwins, false)
}

func TestKernelsSIMD128Node(t *testing.T) {
	runCases(t, newNode(t, SIMD128, false), allCases(), committedTwins, false)
}

func TestKernelsRelaxedNode(t *testing.T) {
	runCases(t, newNode(t, RelaxedSIMD, true), allCases(), committedTwins, true)
}

// Other micro-kernel shapes (the benchmark's candidates and degenerate ones) must be correct too.
func TestGemmShapesWazero(t *testing.T) {
	shapes := []gen.Config{
		{MR: 1, NV: 1, KUnroll: 1}, {MR: 3, NV: 1, KUnroll: 2}, {MR: 4, NV: 2, KUnroll: 1},
		{MR: 5, NV: 2, KUnroll: 3}, {MR: 6, NV: 2, KUnroll: 4}, {MR: 4, NV: 3, KUnroll: 2},
		{MR: 8, NV: 2, KUnroll: 4}, {MR: 4, NV: 4, KUnroll: 8}, {MR: 2, NV: 4, KUnroll: 16},
		// K steps cut in two blocks (gemmKSplit), as the committed relaxed module's 5x8-u8-s3.
		{MR: 5, NV: 2, KUnroll: 8, Split: 3}, {MR: 5, NV: 2, KUnroll: 3, Split: 2}, {MR: 2, NV: 1, KUnroll: 1, Split: 1},
		{MR: 3, NV: 3, KUnroll: 5, Split: 1}, {MR: 8, NV: 1, KUnroll: 16, Split: 7},
	}
	if testing.Short() {
		shapes = shapes[:3]
	}
	for _, cfg := range shapes {
		t.Run(cfg.String(), func(t *testing.T) {
			bin, err := gen.Generate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			nr := int64(cfg.NR())
			twin := func(fn string) func(mem []byte, x ...int32) error {
				if fn != "gemm_f32" {
					return nil
				}
				return func(mem []byte, x ...int32) error {
					return gemmF32Ref(mem, nr, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11], x[12])
				}
			}
			cases := gemmCases(cfg.NR())
			if testing.Short() {
				cases = cases[:len(cases)/4]
			}
			runCases(t, newWazero(t, bin), cases, twin, false)
		})
	}
}

// The modules export exactly Signatures (all-i32 parameters, no results), import env.memory
// without a maximum, and every kernel has a twin and test cases.
func TestModulesMatchSignatures(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range allCases() {
		for _, call := range c.calls {
			covered[call.fn] = true
		}
	}
	for _, mod := range []struct {
		name string
		bin  []byte
	}{{"kernels.wasm", SIMD128}, {"kernels-relaxed.wasm", RelaxedSIMD}} {
		d, err := asm.Decode(mod.bin)
		if err != nil {
			t.Fatalf("%s: %v", mod.name, err)
		}
		if d.MemModule != "env" || d.MemName != "memory" || d.MemHasMax || d.MemMinPages != MemoryMinPages {
			t.Errorf("%s: memory import %s.%s min %d hasMax %v", mod.name, d.MemModule, d.MemName, d.MemMinPages, d.MemHasMax)
		}
		if len(d.Exports) != len(Signatures) {
			t.Errorf("%s: %d exports, %d signatures", mod.name, len(d.Exports), len(Signatures))
		}
		for _, s := range Signatures {
			idx, ok := d.Exports[s.Name]
			if !ok {
				t.Errorf("%s: %s not exported", mod.name, s.Name)
				continue
			}
			ft := d.Funcs[idx].Type
			if len(ft.Params) != len(s.Params) || len(ft.Results) != 0 {
				t.Errorf("%s: %s has type %v, want %d i32 params", mod.name, s.Name, ft, len(s.Params))
			}
			for _, p := range ft.Params {
				if p != asm.I32 {
					t.Errorf("%s: %s has a %v parameter", mod.name, s.Name, p)
				}
			}
		}
	}
	for _, s := range Signatures {
		if Twins[s.Name] == nil {
			t.Errorf("%s has no Go twin in Twins", s.Name)
		}
		if !covered[s.Name] {
			t.Errorf("%s has no test cases", s.Name)
		}
	}
}

// The relaxed module is the baseline with relaxed_madd in the GEMM: same exports and signatures,
// relaxed ops only there, and no f32x4.mul left in its gemm_f32 (which would mean a mul+add path).
// Its micro-kernel shape may differ (gen.DefaultRelaxed): its madds are counted against the muls
// of a mul+add module of that shape.
func TestRelaxedModuleStructure(t *testing.T) {
	base, err := asm.Decode(SIMD128)
	if err != nil {
		t.Fatal(err)
	}
	relaxed, err := asm.Decode(RelaxedSIMD)
	if err != nil {
		t.Fatal(err)
	}
	sameShape := gen.DefaultRelaxed
	sameShape.Relaxed = false
	bin, err := gen.Generate(sameShape)
	if err != nil {
		t.Fatal(err)
	}
	shaped, err := asm.Decode(bin)
	if err != nil {
		t.Fatal(err)
	}
	count := func(f asm.DecodedFunc, pred func(asm.Op) bool) int {
		n := 0
		for _, in := range f.Body {
			if pred(in.Op) {
				n++
			}
		}
		return n
	}
	isRelaxed := func(op asm.Op) bool { return op.IsRelaxed() }
	for name, idx := range base.Exports {
		ridx, ok := relaxed.Exports[name]
		if !ok {
			t.Errorf("relaxed module lacks %s", name)
			continue
		}
		bf, rf := base.Funcs[idx], relaxed.Funcs[ridx]
		if fmt.Sprint(bf.Type) != fmt.Sprint(rf.Type) {
			t.Errorf("%s: type %v vs %v", name, bf.Type, rf.Type)
		}
		if n := count(bf, isRelaxed); n != 0 {
			t.Errorf("baseline %s has %d relaxed-SIMD instructions", name, n)
		}
		if name == "gemm_f32" {
			madds := count(rf, func(op asm.Op) bool { return op == asm.F32x4RelaxedMadd })
			muls := count(rf, func(op asm.Op) bool { return op == asm.F32x4Mul })
			baseMuls := count(shaped.Funcs[shaped.Exports[name]], func(op asm.Op) bool { return op == asm.F32x4Mul })
			if madds == 0 || muls != 0 || madds != baseMuls {
				t.Errorf("relaxed gemm_f32: %d relaxed_madd, %d f32x4.mul (baseline has %d muls)", madds, muls, baseMuls)
			}
		} else if n := count(rf, isRelaxed); n != 0 {
			t.Errorf("relaxed %s has %d relaxed-SIMD instructions (only gemm_f32 should)", name, n)
		}
	}
}
