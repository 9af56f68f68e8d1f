// Superblock: finding and decoding it.
//
// HDF5 File Format Specification v3.0, §II.A "Disk Format: Level 0A - Format
// Signature and Superblock". The 8-byte signature sits at offset 0, 512,
// 1024, 2048, … (a user block may precede it). Versions 0 and 1 hold the root
// group's symbol table entry (§III.C); versions 2 and 3 hold the root group's
// object header address directly.
package h5

import (
	"bytes"
	"fmt"
	"io"
)

var formatSignature = []byte("\x89HDF\r\n\x1a\n")

type superblock struct {
	version  int
	base     int64 // absolute offset of address 0
	offSize  int
	lenSize  int
	eofAddr  uint64
	rootAddr uint64 // root group object header address
}

// readSuperblock finds the signature and decodes the superblock after it.
func readSuperblock(r io.ReaderAt, size int64) (*superblock, error) {
	for at := int64(0); at+8 <= size; at = nextSignatureOffset(at) {
		sig := make([]byte, 8)
		if n, _ := r.ReadAt(sig, at); n < 8 {
			break
		}
		if bytes.Equal(sig, formatSignature) {
			return decodeSuperblock(r, size, at)
		}
	}
	return nil, fmt.Errorf("h5: no HDF5 signature at offset 0, 512, 1024, … (not an HDF5 file)")
}

func nextSignatureOffset(at int64) int64 {
	if at == 0 {
		return 512
	}
	return at * 2
}

func decodeSuperblock(r io.ReaderAt, size, at int64) (*superblock, error) {
	// The longest superblock (v1, 8-byte fields) is well under 256 bytes.
	head := make([]byte, min(256, size-at))
	if n, _ := r.ReadAt(head, at); n < len(head) {
		return nil, fmt.Errorf("h5: superblock: short read")
	}
	d := &decoder{b: head, what: "superblock"}
	d.skip(8)
	sb := &superblock{version: int(d.u8())}
	switch sb.version {
	case 0, 1:
		d.skip(4) // free-space, root symbol table, reserved, shared header versions
		sb.offSize, sb.lenSize = int(d.u8()), int(d.u8())
		d.skip(1) // reserved
		d.skip(4) // group leaf node K, group internal node K
		d.skip(4) // file consistency flags
		if sb.version == 1 {
			d.skip(4) // indexed storage internal node K, reserved
		}
	case 2, 3:
		sb.offSize, sb.lenSize = int(d.u8()), int(d.u8())
		d.skip(1) // file consistency flags
	default:
		return nil, fmt.Errorf("h5: superblock version %d is not supported (know 0–3)", sb.version)
	}
	if d.err != nil {
		return nil, d.err
	}
	if !validFieldSize(sb.offSize) || !validFieldSize(sb.lenSize) {
		return nil, fmt.Errorf("h5: superblock: size of offsets %d / lengths %d not in {2,4,8}", sb.offSize, sb.lenSize)
	}
	d.offSize, d.lenSize = sb.offSize, sb.lenSize
	base := d.addr()
	switch sb.version {
	case 0, 1:
		d.addr() // free-space info address
		sb.eofAddr = d.addr()
		d.addr() // driver information block address
		// Root group symbol table entry (§III.C): link name offset, object header address, …
		d.addr()
		sb.rootAddr = d.addr()
	case 2, 3:
		d.addr() // superblock extension address
		sb.eofAddr = d.addr()
		sb.rootAddr = d.addr()
	}
	if d.err != nil {
		return nil, d.err
	}
	if base > uint64(size) {
		return nil, fmt.Errorf("h5: superblock: base address %#x beyond the %d-byte file", base, size)
	}
	sb.base = int64(base)
	// libhdf5 writes the end-of-file address counting the user block too.
	if sb.eofAddr != undefAddr && sb.eofAddr > uint64(size) {
		return nil, fmt.Errorf("h5: file is truncated: superblock says %d bytes, have %d", sb.eofAddr, size)
	}
	return sb, nil
}

func validFieldSize(n int) bool { return n == 2 || n == 4 || n == 8 }
