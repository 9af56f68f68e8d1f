// Opcodes of the WebAssembly instructions this encoder knows, with the kind of immediate each takes.
// Definitions: WebAssembly Core Specification 2.0, §5.4 "Instructions" (core and 0xFD-prefixed
// vector instructions), and the relaxed-SIMD proposal (0xFD 0x100…, "Overview.md", phase 4).
// The table is the single source for the encoder's checks and for Decode.
package asm

import "fmt"

// Op is an instruction opcode. One-byte opcodes are their byte; vector (0xFD-prefixed) opcodes are
// prefixSIMD|sub, encoded as 0xFD followed by sub as unsigned LEB128.
type Op uint32

const prefixSIMD Op = 0xfd << 16

// immKind says what follows an opcode in the binary.
type immKind uint8

const (
	immNone    immKind = iota
	immBlock           // block type (we emit only the empty type 0x40)
	immIndex           // one u32: label depth, function index or local index
	immI32             // s32
	immI64             // s64
	immF32             // 4 bytes little endian
	immMem             // memarg: align u32, offset u32
	immLane            // one lane byte
	immMemLane         // memarg then a lane byte
	immV128            // 16 bytes
	immShuffle         // 16 lane bytes, each < 32
)

type opInfo struct {
	name  string
	imm   immKind
	align uint32 // natural alignment, log2 bytes (memory ops)
	lanes byte   // number of lanes (lane ops)
}

// Control and variable instructions (emitted by Func's dedicated methods).
const (
	opUnreachable Op = 0x00
	opBlock       Op = 0x02
	opLoop        Op = 0x03
	opIf          Op = 0x04
	opElse        Op = 0x05
	opEnd         Op = 0x0b
	opBr          Op = 0x0c
	opBrIf        Op = 0x0d
	opReturn      Op = 0x0f
	opCall        Op = 0x10
	opLocalGet    Op = 0x20
	opLocalSet    Op = 0x21
	opLocalTee    Op = 0x22
	opI32Const    Op = 0x41
	opI64Const    Op = 0x42
	opF32Const    Op = 0x43
	opV128Const   Op = prefixSIMD | 0x0c
	opShuffle     Op = prefixSIMD | 0x0d
)

// Instructions emitted with Func.Op (no immediate), Func.Mem (memarg), Func.Lane and Func.MemLane.
const (
	Nop    Op = 0x01
	Drop   Op = 0x1a
	Select Op = 0x1b

	I32Load    Op = 0x28
	I64Load    Op = 0x29
	F32Load    Op = 0x2a
	I32Load8S  Op = 0x2c
	I32Load8U  Op = 0x2d
	I32Load16S Op = 0x2e
	I32Load16U Op = 0x2f
	I32Store   Op = 0x36
	I64Store   Op = 0x37
	F32Store   Op = 0x38
	I32Store8  Op = 0x3a
	I32Store16 Op = 0x3b

	I32Eqz Op = 0x45
	I32Eq  Op = 0x46
	I32Ne  Op = 0x47
	I32LtS Op = 0x48
	I32LtU Op = 0x49
	I32GtS Op = 0x4a
	I32GtU Op = 0x4b
	I32LeS Op = 0x4c
	I32LeU Op = 0x4d
	I32GeS Op = 0x4e
	I32GeU Op = 0x4f
	I64Eqz Op = 0x50
	I64Eq  Op = 0x51
	I64Ne  Op = 0x52
	I64LtS Op = 0x53
	I64GtS Op = 0x55
	F32Eq  Op = 0x5b
	F32Ne  Op = 0x5c
	F32Lt  Op = 0x5d
	F32Gt  Op = 0x5e
	F32Le  Op = 0x5f
	F32Ge  Op = 0x60

	I32Clz  Op = 0x67
	I32Ctz  Op = 0x68
	I32Add  Op = 0x6a
	I32Sub  Op = 0x6b
	I32Mul  Op = 0x6c
	I32DivS Op = 0x6d
	I32DivU Op = 0x6e
	I32RemS Op = 0x6f
	I32RemU Op = 0x70
	I32And  Op = 0x71
	I32Or   Op = 0x72
	I32Xor  Op = 0x73
	I32Shl  Op = 0x74
	I32ShrS Op = 0x75
	I32ShrU Op = 0x76
	I64Add  Op = 0x7c
	I64Sub  Op = 0x7d
	I64Mul  Op = 0x7e
	I64And  Op = 0x83
	I64Or   Op = 0x84
	I64Shl  Op = 0x86
	I64ShrS Op = 0x87
	I64ShrU Op = 0x88
	F32Abs  Op = 0x8b
	F32Neg  Op = 0x8c
	F32Sqrt Op = 0x91
	F32Add  Op = 0x92
	F32Sub  Op = 0x93
	F32Mul  Op = 0x94
	F32Div  Op = 0x95
	F32Min  Op = 0x96
	F32Max  Op = 0x97

	I32WrapI64        Op = 0xa7
	I32TruncF32S      Op = 0xa8
	I64ExtendI32S     Op = 0xac
	I64ExtendI32U     Op = 0xad
	F32ConvertI32S    Op = 0xb2
	F32ConvertI32U    Op = 0xb3
	I32ReinterpretF32 Op = 0xbc
	F32ReinterpretI32 Op = 0xbe

	V128Load        Op = prefixSIMD | 0x00
	V128Load8x8S    Op = prefixSIMD | 0x01
	V128Load8x8U    Op = prefixSIMD | 0x02
	V128Load16x4S   Op = prefixSIMD | 0x03
	V128Load32Splat Op = prefixSIMD | 0x09
	V128Load64Splat Op = prefixSIMD | 0x0a
	V128Store       Op = prefixSIMD | 0x0b
	V128Load32Lane  Op = prefixSIMD | 0x56
	V128Load64Lane  Op = prefixSIMD | 0x57
	V128Store32Lane Op = prefixSIMD | 0x5a
	V128Store64Lane Op = prefixSIMD | 0x5b
	V128Load32Zero  Op = prefixSIMD | 0x5c
	V128Load64Zero  Op = prefixSIMD | 0x5d

	I8x16Splat       Op = prefixSIMD | 0x0f
	I16x8Splat       Op = prefixSIMD | 0x10
	I32x4Splat       Op = prefixSIMD | 0x11
	F32x4Splat       Op = prefixSIMD | 0x13
	I32x4ExtractLane Op = prefixSIMD | 0x1b
	I32x4ReplaceLane Op = prefixSIMD | 0x1c
	F32x4ExtractLane Op = prefixSIMD | 0x1f
	F32x4ReplaceLane Op = prefixSIMD | 0x20

	F32x4Eq Op = prefixSIMD | 0x41
	F32x4Ne Op = prefixSIMD | 0x42
	F32x4Lt Op = prefixSIMD | 0x43
	F32x4Gt Op = prefixSIMD | 0x44
	F32x4Le Op = prefixSIMD | 0x45
	F32x4Ge Op = prefixSIMD | 0x46

	V128Not       Op = prefixSIMD | 0x4d
	V128And       Op = prefixSIMD | 0x4e
	V128AndNot    Op = prefixSIMD | 0x4f
	V128Or        Op = prefixSIMD | 0x50
	V128Xor       Op = prefixSIMD | 0x51
	V128Bitselect Op = prefixSIMD | 0x52
	V128AnyTrue   Op = prefixSIMD | 0x53

	I16x8ExtendLowI8x16S  Op = prefixSIMD | 0x87
	I16x8ExtendHighI8x16S Op = prefixSIMD | 0x88
	I16x8ExtendLowI8x16U  Op = prefixSIMD | 0x89
	I16x8ExtendHighI8x16U Op = prefixSIMD | 0x8a
	I32x4ExtendLowI16x8S  Op = prefixSIMD | 0xa7
	I32x4ExtendHighI16x8S Op = prefixSIMD | 0xa8
	I32x4ExtendLowI16x8U  Op = prefixSIMD | 0xa9
	I32x4ExtendHighI16x8U Op = prefixSIMD | 0xaa
	I32x4Shl              Op = prefixSIMD | 0xab
	I32x4ShrS             Op = prefixSIMD | 0xac
	I32x4ShrU             Op = prefixSIMD | 0xad
	I32x4Add              Op = prefixSIMD | 0xae
	I32x4Sub              Op = prefixSIMD | 0xb1
	I32x4Mul              Op = prefixSIMD | 0xb5

	F32x4Abs             Op = prefixSIMD | 0xe0
	F32x4Neg             Op = prefixSIMD | 0xe1
	F32x4Sqrt            Op = prefixSIMD | 0xe3
	F32x4Add             Op = prefixSIMD | 0xe4
	F32x4Sub             Op = prefixSIMD | 0xe5
	F32x4Mul             Op = prefixSIMD | 0xe6
	F32x4Div             Op = prefixSIMD | 0xe7
	F32x4Min             Op = prefixSIMD | 0xe8
	F32x4Max             Op = prefixSIMD | 0xe9
	F32x4Pmin            Op = prefixSIMD | 0xea
	F32x4Pmax            Op = prefixSIMD | 0xeb
	I32x4TruncSatF32x4S  Op = prefixSIMD | 0xf8
	F32x4ConvertI32x4S   Op = prefixSIMD | 0xfa
	F32x4ConvertI32x4U   Op = prefixSIMD | 0xfb
	F64x2PromoteLowF32x4 Op = prefixSIMD | 0x5f
	F64x2Add             Op = prefixSIMD | 0xf0

	// Relaxed SIMD (not in SIMD128; engines without it reject the module at validation).
	F32x4RelaxedMadd  Op = prefixSIMD | 0x105 // a*b + c, fused or not
	F32x4RelaxedNmadd Op = prefixSIMD | 0x106 // -(a*b) + c, fused or not
	F32x4RelaxedMin   Op = prefixSIMD | 0x10d
	F32x4RelaxedMax   Op = prefixSIMD | 0x10e
)

var ops = map[Op]opInfo{
	opUnreachable: {name: "unreachable"},
	Nop:           {name: "nop"},
	opBlock:       {name: "block", imm: immBlock},
	opLoop:        {name: "loop", imm: immBlock},
	opIf:          {name: "if", imm: immBlock},
	opElse:        {name: "else"},
	opEnd:         {name: "end"},
	opBr:          {name: "br", imm: immIndex},
	opBrIf:        {name: "br_if", imm: immIndex},
	opReturn:      {name: "return"},
	opCall:        {name: "call", imm: immIndex},
	Drop:          {name: "drop"},
	Select:        {name: "select"},
	opLocalGet:    {name: "local.get", imm: immIndex},
	opLocalSet:    {name: "local.set", imm: immIndex},
	opLocalTee:    {name: "local.tee", imm: immIndex},
	opI32Const:    {name: "i32.const", imm: immI32},
	opI64Const:    {name: "i64.const", imm: immI64},
	opF32Const:    {name: "f32.const", imm: immF32},
	opV128Const:   {name: "v128.const", imm: immV128},
	opShuffle:     {name: "i8x16.shuffle", imm: immShuffle},

	I32Load:    {name: "i32.load", imm: immMem, align: 2},
	I64Load:    {name: "i64.load", imm: immMem, align: 3},
	F32Load:    {name: "f32.load", imm: immMem, align: 2},
	I32Load8S:  {name: "i32.load8_s", imm: immMem, align: 0},
	I32Load8U:  {name: "i32.load8_u", imm: immMem, align: 0},
	I32Load16S: {name: "i32.load16_s", imm: immMem, align: 1},
	I32Load16U: {name: "i32.load16_u", imm: immMem, align: 1},
	I32Store:   {name: "i32.store", imm: immMem, align: 2},
	I64Store:   {name: "i64.store", imm: immMem, align: 3},
	F32Store:   {name: "f32.store", imm: immMem, align: 2},
	I32Store8:  {name: "i32.store8", imm: immMem, align: 0},
	I32Store16: {name: "i32.store16", imm: immMem, align: 1},

	I32Eqz: {name: "i32.eqz"}, I32Eq: {name: "i32.eq"}, I32Ne: {name: "i32.ne"},
	I32LtS: {name: "i32.lt_s"}, I32LtU: {name: "i32.lt_u"}, I32GtS: {name: "i32.gt_s"},
	I32GtU: {name: "i32.gt_u"}, I32LeS: {name: "i32.le_s"}, I32LeU: {name: "i32.le_u"},
	I32GeS: {name: "i32.ge_s"}, I32GeU: {name: "i32.ge_u"},
	I64Eqz: {name: "i64.eqz"}, I64Eq: {name: "i64.eq"}, I64Ne: {name: "i64.ne"},
	I64LtS: {name: "i64.lt_s"}, I64GtS: {name: "i64.gt_s"},
	F32Eq: {name: "f32.eq"}, F32Ne: {name: "f32.ne"}, F32Lt: {name: "f32.lt"},
	F32Gt: {name: "f32.gt"}, F32Le: {name: "f32.le"}, F32Ge: {name: "f32.ge"},

	I32Clz: {name: "i32.clz"}, I32Ctz: {name: "i32.ctz"},
	I32Add: {name: "i32.add"}, I32Sub: {name: "i32.sub"}, I32Mul: {name: "i32.mul"},
	I32DivS: {name: "i32.div_s"}, I32DivU: {name: "i32.div_u"},
	I32RemS: {name: "i32.rem_s"}, I32RemU: {name: "i32.rem_u"},
	I32And: {name: "i32.and"}, I32Or: {name: "i32.or"}, I32Xor: {name: "i32.xor"},
	I32Shl: {name: "i32.shl"}, I32ShrS: {name: "i32.shr_s"}, I32ShrU: {name: "i32.shr_u"},
	I64Add: {name: "i64.add"}, I64Sub: {name: "i64.sub"}, I64Mul: {name: "i64.mul"},
	I64And: {name: "i64.and"}, I64Or: {name: "i64.or"}, I64Shl: {name: "i64.shl"},
	I64ShrS: {name: "i64.shr_s"}, I64ShrU: {name: "i64.shr_u"},
	F32Abs: {name: "f32.abs"}, F32Neg: {name: "f32.neg"}, F32Sqrt: {name: "f32.sqrt"},
	F32Add: {name: "f32.add"}, F32Sub: {name: "f32.sub"}, F32Mul: {name: "f32.mul"},
	F32Div: {name: "f32.div"}, F32Min: {name: "f32.min"}, F32Max: {name: "f32.max"},

	I32WrapI64:        {name: "i32.wrap_i64"},
	I32TruncF32S:      {name: "i32.trunc_f32_s"},
	I64ExtendI32S:     {name: "i64.extend_i32_s"},
	I64ExtendI32U:     {name: "i64.extend_i32_u"},
	F32ConvertI32S:    {name: "f32.convert_i32_s"},
	F32ConvertI32U:    {name: "f32.convert_i32_u"},
	I32ReinterpretF32: {name: "i32.reinterpret_f32"},
	F32ReinterpretI32: {name: "f32.reinterpret_i32"},

	V128Load:        {name: "v128.load", imm: immMem, align: 4},
	V128Load8x8S:    {name: "v128.load8x8_s", imm: immMem, align: 3},
	V128Load8x8U:    {name: "v128.load8x8_u", imm: immMem, align: 3},
	V128Load16x4S:   {name: "v128.load16x4_s", imm: immMem, align: 3},
	V128Load32Splat: {name: "v128.load32_splat", imm: immMem, align: 2},
	V128Load64Splat: {name: "v128.load64_splat", imm: immMem, align: 3},
	V128Store:       {name: "v128.store", imm: immMem, align: 4},
	V128Load32Lane:  {name: "v128.load32_lane", imm: immMemLane, align: 2, lanes: 4},
	V128Load64Lane:  {name: "v128.load64_lane", imm: immMemLane, align: 3, lanes: 2},
	V128Store32Lane: {name: "v128.store32_lane", imm: immMemLane, align: 2, lanes: 4},
	V128Store64Lane: {name: "v128.store64_lane", imm: immMemLane, align: 3, lanes: 2},
	V128Load32Zero:  {name: "v128.load32_zero", imm: immMem, align: 2},
	V128Load64Zero:  {name: "v128.load64_zero", imm: immMem, align: 3},

	I8x16Splat:       {name: "i8x16.splat"},
	I16x8Splat:       {name: "i16x8.splat"},
	I32x4Splat:       {name: "i32x4.splat"},
	F32x4Splat:       {name: "f32x4.splat"},
	I32x4ExtractLane: {name: "i32x4.extract_lane", imm: immLane, lanes: 4},
	I32x4ReplaceLane: {name: "i32x4.replace_lane", imm: immLane, lanes: 4},
	F32x4ExtractLane: {name: "f32x4.extract_lane", imm: immLane, lanes: 4},
	F32x4ReplaceLane: {name: "f32x4.replace_lane", imm: immLane, lanes: 4},

	F32x4Eq: {name: "f32x4.eq"}, F32x4Ne: {name: "f32x4.ne"}, F32x4Lt: {name: "f32x4.lt"},
	F32x4Gt: {name: "f32x4.gt"}, F32x4Le: {name: "f32x4.le"}, F32x4Ge: {name: "f32x4.ge"},

	V128Not: {name: "v128.not"}, V128And: {name: "v128.and"}, V128AndNot: {name: "v128.andnot"},
	V128Or: {name: "v128.or"}, V128Xor: {name: "v128.xor"},
	V128Bitselect: {name: "v128.bitselect"}, V128AnyTrue: {name: "v128.any_true"},

	I16x8ExtendLowI8x16S:  {name: "i16x8.extend_low_i8x16_s"},
	I16x8ExtendHighI8x16S: {name: "i16x8.extend_high_i8x16_s"},
	I16x8ExtendLowI8x16U:  {name: "i16x8.extend_low_i8x16_u"},
	I16x8ExtendHighI8x16U: {name: "i16x8.extend_high_i8x16_u"},
	I32x4ExtendLowI16x8S:  {name: "i32x4.extend_low_i16x8_s"},
	I32x4ExtendHighI16x8S: {name: "i32x4.extend_high_i16x8_s"},
	I32x4ExtendLowI16x8U:  {name: "i32x4.extend_low_i16x8_u"},
	I32x4ExtendHighI16x8U: {name: "i32x4.extend_high_i16x8_u"},
	I32x4Shl:              {name: "i32x4.shl"},
	I32x4ShrS:             {name: "i32x4.shr_s"},
	I32x4ShrU:             {name: "i32x4.shr_u"},
	I32x4Add:              {name: "i32x4.add"},
	I32x4Sub:              {name: "i32x4.sub"},
	I32x4Mul:              {name: "i32x4.mul"},

	F32x4Abs: {name: "f32x4.abs"}, F32x4Neg: {name: "f32x4.neg"}, F32x4Sqrt: {name: "f32x4.sqrt"},
	F32x4Add: {name: "f32x4.add"}, F32x4Sub: {name: "f32x4.sub"}, F32x4Mul: {name: "f32x4.mul"},
	F32x4Div: {name: "f32x4.div"}, F32x4Min: {name: "f32x4.min"}, F32x4Max: {name: "f32x4.max"},
	F32x4Pmin: {name: "f32x4.pmin"}, F32x4Pmax: {name: "f32x4.pmax"},
	I32x4TruncSatF32x4S:  {name: "i32x4.trunc_sat_f32x4_s"},
	F32x4ConvertI32x4S:   {name: "f32x4.convert_i32x4_s"},
	F32x4ConvertI32x4U:   {name: "f32x4.convert_i32x4_u"},
	F64x2PromoteLowF32x4: {name: "f64x2.promote_low_f32x4"},
	F64x2Add:             {name: "f64x2.add"},

	F32x4RelaxedMadd:  {name: "f32x4.relaxed_madd"},
	F32x4RelaxedNmadd: {name: "f32x4.relaxed_nmadd"},
	F32x4RelaxedMin:   {name: "f32x4.relaxed_min"},
	F32x4RelaxedMax:   {name: "f32x4.relaxed_max"},
}

// IsRelaxed reports whether op belongs to the relaxed-SIMD proposal (opcodes 0xFD 0x100–0x113).
func (op Op) IsRelaxed() bool { return op&^0xffff == prefixSIMD && op&0xffff >= 0x100 }

// String returns the text-format name of op, or a hex form for unknown opcodes.
func (op Op) String() string {
	if in, ok := ops[op]; ok {
		return in.name
	}
	if op&^0xffff == prefixSIMD {
		return fmt.Sprintf("0xfd %#x", uint32(op&0xffff))
	}
	return fmt.Sprintf("%#02x", uint32(op))
}

// appendOp appends the opcode bytes of op.
func appendOp(b []byte, op Op) []byte {
	if op&^0xffff == prefixSIMD {
		return appendU32(append(b, 0xfd), uint32(op&0xffff))
	}
	return append(b, byte(op))
}
