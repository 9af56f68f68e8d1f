// Function bodies: locals, structured control with label objects, and instruction emitters.
// Definition: WebAssembly Core Specification 2.0, §5.4 (instructions) and §5.5.13 (code section).
// Branch targets are *Label values returned by Block/Loop/If; the relative depth the binary needs
// is computed from the stack of open labels, so generator code never counts nesting by hand.
package asm

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Local is a parameter or local variable of one function.
type Local struct {
	f     *Func
	index uint32
	Type  ValType
}

// Label is an open (or closed) block, loop or if. A branch to a block or if label jumps past its
// end; a branch to a loop label jumps back to its start.
type Label struct {
	f    *Func
	kind Op // opBlock, opLoop or opIf
	pos  int
	open bool
	els  bool // an if whose else has been emitted
}

// Func is one function under construction. Emitting methods return f so calls can be chained in
// the order of the instructions: f.LocalGet(a).I32Const(4).Op(asm.I32Add).LocalSet(a).
type Func struct {
	m       *Module
	name    string
	index   uint32
	params  []ValType
	results []ValType
	locals  []ValType // declared locals, after the params
	code    []byte
	open    []*Label
	errs    []error
}

// Name returns the function's name (as in the name section).
func (f *Func) Name() string { return f.name }

// Param returns parameter i.
func (f *Func) Param(i int) Local {
	if i < 0 || i >= len(f.params) {
		f.errorf("param %d out of range (%d params)", i, len(f.params))
		return Local{f: f}
	}
	return Local{f: f, index: uint32(i), Type: f.params[i]}
}

// NewLocal declares a new local variable of type t (zero-initialised at function entry).
func (f *Func) NewLocal(t ValType) Local {
	f.locals = append(f.locals, t)
	return Local{f: f, index: uint32(len(f.params) + len(f.locals) - 1), Type: t}
}

func (f *Func) errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Errorf("asm: func %s: %s", f.name, fmt.Sprintf(format, args...)))
}

func (f *Func) emit(op Op) *Func {
	f.code = appendOp(f.code, op)
	return f
}

func (f *Func) local(op Op, x Local) *Func {
	if x.f != f {
		f.errorf("%s: local of another function", op)
	}
	f.emit(op)
	f.code = appendU32(f.code, x.index)
	return f
}

// LocalGet pushes x.
func (f *Func) LocalGet(x Local) *Func { return f.local(opLocalGet, x) }

// LocalSet pops into x.
func (f *Func) LocalSet(x Local) *Func { return f.local(opLocalSet, x) }

// LocalTee stores the top of the stack into x without popping it.
func (f *Func) LocalTee(x Local) *Func { return f.local(opLocalTee, x) }

// I32Const pushes v.
func (f *Func) I32Const(v int32) *Func {
	f.emit(opI32Const)
	f.code = appendS32(f.code, v)
	return f
}

// I64Const pushes v.
func (f *Func) I64Const(v int64) *Func {
	f.emit(opI64Const)
	f.code = appendS64(f.code, v)
	return f
}

// F32Const pushes v.
func (f *Func) F32Const(v float32) *Func {
	f.emit(opF32Const)
	f.code = binary.LittleEndian.AppendUint32(f.code, math.Float32bits(v))
	return f
}

// V128Const pushes the 16 bytes b (lane 0 first).
func (f *Func) V128Const(b [16]byte) *Func {
	f.emit(opV128Const)
	f.code = append(f.code, b[:]...)
	return f
}

// F32x4Const pushes the vector (a, b, c, d), lane 0 first.
func (f *Func) F32x4Const(a, b, c, d float32) *Func {
	var v [16]byte
	for i, x := range [4]float32{a, b, c, d} {
		binary.LittleEndian.PutUint32(v[4*i:], math.Float32bits(x))
	}
	return f.V128Const(v)
}

// I8x16Shuffle pops two vectors and pushes the bytes selected by lanes (0–15 first, 16–31 second).
func (f *Func) I8x16Shuffle(lanes [16]byte) *Func {
	for _, l := range lanes {
		if l >= 32 {
			f.errorf("i8x16.shuffle: lane %d >= 32", l)
		}
	}
	f.emit(opShuffle)
	f.code = append(f.code, lanes[:]...)
	return f
}

// Op emits an instruction that takes no immediate (arithmetic, comparisons, conversions, drop…).
func (f *Func) Op(op Op) *Func {
	in, ok := ops[op]
	switch {
	case !ok:
		f.errorf("unknown opcode %s", op)
	case in.imm != immNone || op == opElse || op == opEnd || op == opReturn || op == opUnreachable:
		f.errorf("%s cannot be emitted with Op", op)
	}
	return f.emit(op)
}

// MemArg is the immediate of a memory access: the effective address is the i32 operand plus
// Offset; Align is the promised alignment as log2 bytes (a hint, at most the natural alignment).
type MemArg struct {
	Offset uint32
	Align  uint32
}

// Mem emits a load or store with its memarg.
func (f *Func) Mem(op Op, ma MemArg) *Func {
	in, ok := ops[op]
	if !ok || in.imm != immMem {
		f.errorf("%s is not a load or store", op)
	} else if ma.Align > in.align {
		f.errorf("%s: align 2^%d exceeds natural alignment 2^%d", op, ma.Align, in.align)
	}
	f.emit(op)
	f.code = appendU32(appendU32(f.code, ma.Align), ma.Offset)
	return f
}

// Lane emits a lane instruction (extract_lane, replace_lane) with lane index lane.
func (f *Func) Lane(op Op, lane byte) *Func {
	in, ok := ops[op]
	if !ok || in.imm != immLane {
		f.errorf("%s is not a lane instruction", op)
	} else if lane >= in.lanes {
		f.errorf("%s: lane %d out of range", op, lane)
	}
	f.emit(op)
	f.code = append(f.code, lane)
	return f
}

// MemLane emits v128.loadN_lane / v128.storeN_lane.
func (f *Func) MemLane(op Op, ma MemArg, lane byte) *Func {
	in, ok := ops[op]
	if !ok || in.imm != immMemLane {
		f.errorf("%s is not a memory lane instruction", op)
	} else if lane >= in.lanes || ma.Align > in.align {
		f.errorf("%s: lane %d or align %d out of range", op, lane, ma.Align)
	}
	f.emit(op)
	f.code = append(appendU32(appendU32(f.code, ma.Align), ma.Offset), lane)
	return f
}

// Call emits a call of g (a function of the same module).
func (f *Func) Call(g *Func) *Func {
	if g == nil || g.m != f.m {
		f.errorf("call of a function of another module")
		return f
	}
	f.emit(opCall)
	f.code = appendU32(f.code, g.index)
	return f
}

// Return emits return (the results, if any, must be on the stack).
func (f *Func) Return() *Func { return f.emit(opReturn) }

// Unreachable emits a trap.
func (f *Func) Unreachable() *Func { return f.emit(opUnreachable) }

func (f *Func) openLabel(kind Op) *Label {
	l := &Label{f: f, kind: kind, pos: len(f.open), open: true}
	f.open = append(f.open, l)
	f.emit(kind)
	f.code = append(f.code, 0x40) // empty block type: blocks neither take nor leave values
	return l
}

// Block opens a block; a branch to it continues after its End.
func (f *Func) Block() *Label { return f.openLabel(opBlock) }

// Loop opens a loop; a branch to it continues at its start.
func (f *Func) Loop() *Label { return f.openLabel(opLoop) }

// If pops an i32 and opens an if; its body runs when the value is non-zero.
func (f *Func) If() *Label { return f.openLabel(opIf) }

func (f *Func) innermost(l *Label, what string) bool {
	if l == nil || l.f != f || !l.open || l.pos != len(f.open)-1 {
		f.errorf("%s: label is not the innermost open label", what)
		return false
	}
	return true
}

// Else starts the else branch of the innermost label, which must be an if.
func (f *Func) Else(l *Label) {
	if !f.innermost(l, "else") {
		return
	}
	if l.kind != opIf || l.els {
		f.errorf("else: label is not an if without else")
		return
	}
	l.els = true
	f.emit(opElse)
}

// End closes l, which must be the innermost open label.
func (f *Func) End(l *Label) {
	if !f.innermost(l, "end") {
		return
	}
	l.open = false
	f.open = f.open[:len(f.open)-1]
	f.emit(opEnd)
}

func (f *Func) branch(op Op, l *Label) *Func {
	if l == nil || l.f != f || !l.open {
		f.errorf("%s: label is closed or belongs to another function", op)
		return f
	}
	f.emit(op)
	f.code = appendU32(f.code, uint32(len(f.open)-1-l.pos))
	return f
}

// Br branches to l unconditionally.
func (f *Func) Br(l *Label) *Func { return f.branch(opBr, l) }

// BrIf pops an i32 and branches to l if it is non-zero.
func (f *Func) BrIf(l *Label) *Func { return f.branch(opBrIf, l) }

// encodeBody returns the code-section entry body: compressed local declarations, code, end.
func (f *Func) encodeBody() []byte {
	type run struct {
		n uint32
		t ValType
	}
	var runs []run
	for _, t := range f.locals {
		if len(runs) > 0 && runs[len(runs)-1].t == t {
			runs[len(runs)-1].n++
		} else {
			runs = append(runs, run{1, t})
		}
	}
	b := appendU32(nil, uint32(len(runs)))
	for _, r := range runs {
		b = append(appendU32(b, r.n), byte(r.t))
	}
	b = append(b, f.code...)
	return append(b, byte(opEnd))
}
