// LEB128 variable-length integers, as used everywhere in the WebAssembly binary format.
// Definition: WebAssembly Core Specification 2.0, §5.2.2 "Integers" (unsigned uN and signed sN are
// LEB128 with at most ceil(N/7) bytes).
package asm

import "errors"

// appendU32 appends v as unsigned LEB128 (u32).
func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// appendS64 appends v as signed LEB128 (s64; s32 and s33 values use the same encoding).
func appendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7 // arithmetic shift keeps the sign
		done := (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0)
		if done {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// appendS32 appends v as signed LEB128 (s32).
func appendS32(b []byte, v int32) []byte { return appendS64(b, int64(v)) }

var errLEB = errors.New("asm: malformed or overlong LEB128")

// readU32 decodes an unsigned LEB128 u32 from b, returning the value and the bytes used.
func readU32(b []byte) (uint32, int, error) {
	var v uint64
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0, errLEB
		}
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if v > 0xffffffff {
				return 0, 0, errLEB
			}
			return uint32(v), i + 1, nil
		}
	}
	return 0, 0, errLEB
}

// readS64 decodes a signed LEB128 of at most maxBits bits (32, 33 or 64) from b.
func readS64(b []byte, maxBits int) (int64, int, error) {
	var v int64
	shift := 0
	maxBytes := (maxBits + 6) / 7
	for i := 0; i < maxBytes; i++ {
		if i >= len(b) {
			return 0, 0, errLEB
		}
		c := b[i]
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			if maxBits < 64 && (v < -(1<<(maxBits-1)) || v >= 1<<(maxBits-1)) {
				return 0, 0, errLEB
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, errLEB
}
