// Package asm is a small WebAssembly binary encoder: enough of the module structure (types, one
// imported memory, functions, exports, a name section) and of the instruction set (control with
// label objects, i32/i64/f32 scalar ops, SIMD128 and relaxed-SIMD vector ops) to write compute
// kernels from Go. Definition: WebAssembly Core Specification 2.0, chapter 5 "Binary Format".
//
// Usage:
//
//	m := asm.NewModule()
//	m.ImportMemory("env", "memory", 1)
//	f := m.Func("add", []asm.ValType{asm.I32, asm.I32}, []asm.ValType{asm.I32})
//	f.LocalGet(f.Param(0)).LocalGet(f.Param(1)).Op(asm.I32Add)
//	m.Export("add", f)
//	wasm, err := m.Encode()
//
// Mistakes (a branch to a closed label, an op used with the wrong immediate, an unclosed block)
// are recorded and returned by Encode; the emitting methods never panic.
package asm

import (
	"errors"
	"fmt"
	"math"
)

// ValType is a WebAssembly value type (§5.3.1).
type ValType byte

const (
	I32  ValType = 0x7f
	I64  ValType = 0x7e
	F32  ValType = 0x7d
	F64  ValType = 0x7c
	V128 ValType = 0x7b
)

func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	}
	return fmt.Sprintf("valtype(%#x)", byte(t))
}

// Module collects the pieces of one module; Encode writes its binary form.
type Module struct {
	mem     *memImport
	funcs   []*Func
	exports []export
	errs    []error
}

type memImport struct {
	module, name string
	minPages     uint32
}

type export struct {
	name string
	f    *Func
}

// NewModule returns an empty module.
func NewModule() *Module { return &Module{} }

// ImportMemory declares the module's only memory as an import module.name with a minimum of
// minPages 64 KiB pages and no maximum (so that it can import a memory that grows without bound,
// such as Go's).
func (m *Module) ImportMemory(module, name string, minPages uint32) {
	if m.mem != nil {
		m.errorf("memory imported twice")
		return
	}
	m.mem = &memImport{module, name, minPages}
}

// Func adds a function with the given signature. name is used in the name section (and shows in
// engine stack traces); it does not export the function.
func (m *Module) Func(name string, params, results []ValType) *Func {
	f := &Func{m: m, name: name, index: uint32(len(m.funcs)),
		params: append([]ValType(nil), params...), results: append([]ValType(nil), results...)}
	m.funcs = append(m.funcs, f)
	return f
}

// Export exports f under name.
func (m *Module) Export(name string, f *Func) {
	if f == nil || f.m != m {
		m.errorf("export %q: function of another module", name)
		return
	}
	for _, e := range m.exports {
		if e.name == name {
			m.errorf("export %q: duplicate name", name)
			return
		}
	}
	m.exports = append(m.exports, export{name, f})
}

func (m *Module) errorf(format string, args ...any) {
	m.errs = append(m.errs, fmt.Errorf("asm: "+format, args...))
}

// Section ids (§5.5.2).
const (
	secCustom   = 0
	secType     = 1
	secImport   = 2
	secFunction = 3
	secExport   = 7
	secCode     = 10
)

// Encode returns the binary module, or every mistake recorded while building it.
func (m *Module) Encode() ([]byte, error) {
	errs := append([]error(nil), m.errs...)
	for _, f := range m.funcs {
		errs = append(errs, f.errs...)
		if len(f.open) > 0 {
			errs = append(errs, fmt.Errorf("asm: func %s: %d block(s) not closed", f.name, len(f.open)))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	// Deduplicated function types, in order of first use.
	var types [][]byte
	typeIndex := map[string]uint32{}
	funcType := make([]uint32, len(m.funcs))
	for i, f := range m.funcs {
		t := []byte{0x60}
		t = appendValTypes(t, f.params)
		t = appendValTypes(t, f.results)
		idx, ok := typeIndex[string(t)]
		if !ok {
			idx = uint32(len(types))
			typeIndex[string(t)] = idx
			types = append(types, t)
		}
		funcType[i] = idx
	}

	out := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	out = appendSection(out, secType, appendVec(nil, len(types), func(b []byte, i int) []byte {
		return append(b, types[i]...)
	}))
	if m.mem != nil {
		imp := appendU32(nil, 1)
		imp = appendName(imp, m.mem.module)
		imp = appendName(imp, m.mem.name)
		imp = append(imp, 0x02, 0x00) // memory, limits without maximum
		imp = appendU32(imp, m.mem.minPages)
		out = appendSection(out, secImport, imp)
	}
	out = appendSection(out, secFunction, appendVec(nil, len(m.funcs), func(b []byte, i int) []byte {
		return appendU32(b, funcType[i])
	}))
	out = appendSection(out, secExport, appendVec(nil, len(m.exports), func(b []byte, i int) []byte {
		b = appendName(b, m.exports[i].name)
		return appendU32(append(b, 0x00), m.exports[i].f.index)
	}))
	out = appendSection(out, secCode, appendVec(nil, len(m.funcs), func(b []byte, i int) []byte {
		body := m.funcs[i].encodeBody()
		return append(appendU32(b, uint32(len(body))), body...)
	}))

	// Custom "name" section, subsection 1: function names (§7.4.1 of the appendix).
	names := appendVec(nil, len(m.funcs), func(b []byte, i int) []byte {
		return appendName(appendU32(b, uint32(i)), m.funcs[i].name)
	})
	custom := appendName(nil, "name")
	custom = append(custom, 1)
	custom = appendU32(custom, uint32(len(names)))
	custom = append(custom, names...)
	out = appendSection(out, secCustom, custom)
	if len(out) > math.MaxInt32 {
		return nil, errors.New("asm: module too large")
	}
	return out, nil
}

func appendSection(b []byte, id byte, content []byte) []byte {
	b = append(b, id)
	b = appendU32(b, uint32(len(content)))
	return append(b, content...)
}

func appendVec(b []byte, n int, elem func([]byte, int) []byte) []byte {
	b = appendU32(b, uint32(n))
	for i := 0; i < n; i++ {
		b = elem(b, i)
	}
	return b
}

func appendValTypes(b []byte, ts []ValType) []byte {
	b = appendU32(b, uint32(len(ts)))
	for _, t := range ts {
		b = append(b, byte(t))
	}
	return b
}

func appendName(b []byte, s string) []byte {
	return append(appendU32(b, uint32(len(s))), s...)
}

// MemoryExporter returns a module that defines one memory of minPages pages (no maximum) and exports
// it as name. Hosts without another memory owner (tests, benchmarks) instantiate it as "env" so that
// a module built with ImportMemory("env", name, …) can link.
func MemoryExporter(name string, minPages uint32) []byte {
	out := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	const secMemory = 5
	out = appendSection(out, secMemory, appendU32([]byte{1, 0x00}, minPages))
	exp := appendName(appendU32(nil, 1), name)
	exp = append(exp, 0x02, 0x00) // memory 0
	return appendSection(out, secExport, exp)
}
