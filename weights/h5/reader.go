// Bounded little-endian decoding of HDF5 metadata.
//
// Every read from the file goes through fileReader.read, which checks the
// requested range against the file size before allocating, so a hostile
// size or address yields an error instead of a huge allocation or a panic.
// Field widths ("size of offsets", "size of lengths") come from the
// superblock (HDF5 File Format Specification v3.0, §II.A); an address with
// all bits set is the spec's "undefined address" (nothing stored yet).
package h5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// undefAddr is the "undefined address" (all bits set) after widening to 64 bits.
const undefAddr = ^uint64(0)

// fileReader reads bounded byte ranges relative to the superblock's base address.
type fileReader struct {
	r       io.ReaderAt
	base    int64 // absolute offset of HDF5 address 0 (the superblock's base address)
	size    int64 // bytes available from base to the end of the input
	offSize int   // "size of offsets" in bytes (2, 4 or 8)
	lenSize int   // "size of lengths" in bytes (2, 4 or 8)
}

// read returns n bytes at HDF5 address addr, or an error if the range is not inside the file.
func (fr *fileReader) read(addr uint64, n uint64) ([]byte, error) {
	if err := fr.check(addr, n); err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	if n == 0 {
		return buf, nil
	}
	if got, err := fr.r.ReadAt(buf, fr.base+int64(addr)); got < len(buf) {
		return nil, fmt.Errorf("h5: read %d bytes at %#x: %w", n, addr, err)
	}
	return buf, nil
}

// check reports whether [addr, addr+n) lies inside the file.
func (fr *fileReader) check(addr uint64, n uint64) error {
	if addr == undefAddr {
		return errors.New("h5: undefined address")
	}
	if addr > uint64(fr.size) || n > uint64(fr.size)-addr {
		return fmt.Errorf("h5: range [%#x, +%d) lies outside the %d-byte file (truncated or corrupt)", addr, n, fr.size)
	}
	return nil
}

// decoder walks a byte slice; the first out-of-range access sets err and
// every later call returns zero, so callers check err once at the end.
type decoder struct {
	b       []byte
	pos     int
	err     error
	offSize int
	lenSize int
	what    string // structure name for error messages
}

func (fr *fileReader) decoder(b []byte, what string) *decoder {
	return &decoder{b: b, offSize: fr.offSize, lenSize: fr.lenSize, what: what}
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.pos {
		d.err = fmt.Errorf("h5: %s: need %d bytes at offset %d of %d (truncated or corrupt)", d.what, n, d.pos, len(d.b))
		return nil
	}
	s := d.b[d.pos : d.pos+n]
	d.pos += n
	return s
}

func (d *decoder) skip(n int)     { d.take(n) }
func (d *decoder) remaining() int { return len(d.b) - d.pos }
func (d *decoder) u8() uint8      { return uint8(d.uint(1)) }
func (d *decoder) u16() uint16    { return uint16(d.uint(2)) }
func (d *decoder) u32() uint32    { return uint32(d.uint(4)) }
func (d *decoder) u64() uint64    { return d.uint(8) }
func (d *decoder) length() uint64 { return d.uint(d.lenSize) }
func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("h5: %s: "+format, append([]any{d.what}, args...)...)
	}
}

// signature consumes 4 bytes and fails unless they equal sig.
func (d *decoder) signature(sig string) {
	got := d.take(len(sig))
	if d.err == nil && string(got) != sig {
		d.fail("signature %q, want %q", got, sig)
	}
}

// uint reads an n-byte little-endian unsigned integer (n ≤ 8).
func (d *decoder) uint(n int) uint64 {
	if n > 8 {
		d.fail("integer field of %d bytes", n)
		return 0
	}
	b := d.take(n)
	if b == nil {
		return 0
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// addr reads an address of the file's offset size; all ones becomes undefAddr.
func (d *decoder) addr() uint64 {
	v := d.uint(d.offSize)
	if d.offSize < 8 && v == 1<<(8*d.offSize)-1 {
		return undefAddr
	}
	return v
}

// le is the byte order of every HDF5 metadata field.
var le = binary.LittleEndian
