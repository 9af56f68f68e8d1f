// A structural decoder for the modules this package writes: sections, signatures, the memory
// import, exports, function bodies split into instructions, and balanced control nesting.
// Definition: WebAssembly Core Specification 2.0, chapter 5. It is a check, not a validator: it
// does not type-check the operand stack (wazero or a JS engine does that for SIMD128 modules; it is
// what inspects relaxed-SIMD modules, which wazero cannot compile).
package asm

import (
	"bytes"
	"errors"
	"fmt"
)

// FuncType is a function signature.
type FuncType struct{ Params, Results []ValType }

// Instr is one decoded instruction: its opcode and raw immediate bytes.
type Instr struct {
	Op  Op
	Imm []byte
}

// DecodedFunc is one function of a decoded module.
type DecodedFunc struct {
	Name   string
	Type   FuncType
	Locals []ValType // declared locals, after the params
	Body   []Instr   // without the final end
}

// Decoded is the structure of a module.
type Decoded struct {
	MemModule, MemName string
	MemMinPages        uint32
	MemHasMax          bool
	Funcs              []DecodedFunc
	Exports            map[string]int // export name → function index
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("asm: decode: "+format, args...)
	}
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) bytes(n uint32) []byte {
	if uint64(n) > uint64(len(r.b)) {
		r.fail("unexpected end (want %d bytes, have %d)", n, len(r.b))
		r.b = nil
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *reader) u32() uint32 {
	v, n, err := readU32(r.b)
	if err != nil {
		r.fail("%v", err)
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) name() string { return string(r.bytes(r.u32())) }

func (r *reader) valTypes() []ValType {
	n := r.u32()
	if uint64(n) > uint64(len(r.b)) {
		r.fail("implausible count %d", n)
		return nil
	}
	ts := make([]ValType, n)
	for i := range ts {
		ts[i] = ValType(r.byte())
	}
	return ts
}

// Decode parses a module written by this package (sections type, import, function, export, code
// and the custom name section) and splits every body into known instructions.
func Decode(b []byte) (*Decoded, error) {
	r := &reader{b: b}
	if !bytes.Equal(r.bytes(8), []byte{0, 'a', 's', 'm', 1, 0, 0, 0}) {
		return nil, errors.New("asm: decode: not a version-1 wasm binary")
	}
	d := &Decoded{Exports: map[string]int{}}
	var types []FuncType
	var funcTypes []uint32
	for len(r.b) > 0 && r.err == nil {
		id := r.byte()
		s := &reader{b: r.bytes(r.u32())}
		switch id {
		case secType:
			for n := s.u32(); n > 0 && s.err == nil; n-- {
				if s.byte() != 0x60 {
					s.fail("function type without 0x60")
				}
				types = append(types, FuncType{s.valTypes(), s.valTypes()})
			}
		case secImport:
			for n := s.u32(); n > 0 && s.err == nil; n-- {
				mod, name := s.name(), s.name()
				if s.byte() != 0x02 {
					s.fail("import %s.%s is not a memory", mod, name)
				}
				flags := s.byte()
				d.MemModule, d.MemName, d.MemMinPages, d.MemHasMax = mod, name, s.u32(), flags&1 != 0
				if d.MemHasMax {
					s.u32()
				}
			}
		case secFunction:
			for n := s.u32(); n > 0 && s.err == nil; n-- {
				funcTypes = append(funcTypes, s.u32())
			}
		case secExport:
			for n := s.u32(); n > 0 && s.err == nil; n-- {
				name := s.name()
				if s.byte() != 0x00 {
					s.fail("export %s is not a function", name)
				}
				d.Exports[name] = int(s.u32())
			}
		case secCode:
			if int(s.u32()) != len(funcTypes) {
				s.fail("code and function sections disagree")
			}
			for i := 0; i < len(funcTypes) && s.err == nil; i++ {
				if int(funcTypes[i]) >= len(types) {
					s.fail("function %d: type index out of range", i)
					break
				}
				fn := DecodedFunc{Type: types[funcTypes[i]]}
				body := &reader{b: s.bytes(s.u32())}
				for runs := body.u32(); runs > 0 && body.err == nil; runs-- {
					cnt, t := body.u32(), ValType(body.byte())
					if cnt > 1<<16 {
						body.fail("implausible local count %d", cnt)
					}
					for ; cnt > 0 && body.err == nil; cnt-- {
						fn.Locals = append(fn.Locals, t)
					}
				}
				fn.Body, body.err = decodeBody(body)
				if body.err != nil {
					s.fail("function %d: %v", i, body.err)
				}
				d.Funcs = append(d.Funcs, fn)
			}
		case secCustom:
			if s.name() == "name" && s.err == nil {
				for len(s.b) > 0 && s.err == nil {
					sub, sb := s.byte(), &reader{b: s.bytes(s.u32())}
					if sub != 1 {
						continue
					}
					for n := sb.u32(); n > 0 && sb.err == nil; n-- {
						idx, name := sb.u32(), sb.name()
						if int(idx) < len(d.Funcs) {
							d.Funcs[idx].Name = name
						}
					}
				}
			}
		default:
			s.fail("unexpected section id %d", id)
		}
		if s.err != nil {
			r.fail("section %d: %v", id, s.err)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	for name, idx := range d.Exports {
		if idx >= len(d.Funcs) {
			return nil, fmt.Errorf("asm: decode: export %s: function %d out of range", name, idx)
		}
	}
	return d, nil
}

// decodeBody splits an expression into instructions and checks that control nests and ends.
func decodeBody(r *reader) ([]Instr, error) {
	var out []Instr
	depth := 0
	for r.err == nil {
		if len(r.b) == 0 {
			return nil, errors.New("body does not end with end")
		}
		start := r.b
		var op Op
		if c := r.byte(); c == 0xfd {
			op = prefixSIMD | Op(r.u32())
		} else {
			op = Op(c)
		}
		in, ok := ops[op]
		if !ok {
			return nil, fmt.Errorf("unknown opcode %s", op)
		}
		immStart := len(start) - len(r.b)
		switch in.imm {
		case immBlock:
			if bt := r.byte(); bt != 0x40 {
				return nil, fmt.Errorf("%s: block type %#x not supported", op, bt)
			}
			depth++
		case immIndex:
			idx := r.u32()
			if (op == opBr || op == opBrIf) && int(idx) >= depth+1 {
				return nil, fmt.Errorf("%s %d: no such label", op, idx)
			}
		case immI32:
			if _, n, err := readS64(r.b, 32); err != nil {
				return nil, err
			} else {
				r.bytes(uint32(n))
			}
		case immI64:
			if _, n, err := readS64(r.b, 64); err != nil {
				return nil, err
			} else {
				r.bytes(uint32(n))
			}
		case immF32:
			r.bytes(4)
		case immMem, immMemLane:
			if align := r.u32(); align > in.align {
				return nil, fmt.Errorf("%s: align %d > natural %d", op, align, in.align)
			}
			r.u32()
			if in.imm == immMemLane && r.byte() >= in.lanes {
				return nil, fmt.Errorf("%s: lane out of range", op)
			}
		case immLane:
			if r.byte() >= in.lanes {
				return nil, fmt.Errorf("%s: lane out of range", op)
			}
		case immV128:
			r.bytes(16)
		case immShuffle:
			for _, l := range r.bytes(16) {
				if l >= 32 {
					return nil, fmt.Errorf("%s: lane %d >= 32", op, l)
				}
			}
		}
		if op == opEnd {
			if depth == 0 {
				if len(r.b) != 0 {
					return nil, errors.New("bytes after the final end")
				}
				return out, r.err
			}
			depth--
		}
		out = append(out, Instr{Op: op, Imm: start[immStart : len(start)-len(r.b)]})
	}
	return nil, r.err
}
