// Datatype and dataspace messages: what one element is, and how many there are.
//
// HDF5 File Format Specification v3.0: §IV.A.2.d "Datatype Message" (classes
// 1 floating-point, 3 string, 9 variable-length; the rest are recognised only
// to be reported) and §IV.A.2.b "Dataspace Message" (versions 1 and 2).
package h5

import (
	"fmt"
)

// Datatype classes (§IV.A.2.d, "Class and Version" low 4 bits).
const (
	classFixedPoint = 0
	classFloat      = 1
	classString     = 3
	classVarLen     = 9
)

type datatype struct {
	class     int
	size      uint64 // bytes per element
	bigEndian bool   // floats
	spacePad  bool   // fixed-length strings padded with spaces (else NULs)
	vlenStr   bool   // variable-length string (class 9, type 1)
}

// decodeDatatype decodes a datatype message body.
func (fr *fileReader) decodeDatatype(b []byte) (*datatype, error) {
	d := fr.decoder(b, "datatype message")
	classVersion := d.u8()
	bitField := d.take(3)
	size := uint64(d.u32())
	if d.err != nil {
		return nil, d.err
	}
	t := &datatype{class: int(classVersion & 0x0f), size: size}
	switch t.class {
	case classFloat:
		if bitField[0]&0x40 != 0 {
			return nil, fmt.Errorf("h5: VAX-order floats are not supported")
		}
		t.bigEndian = bitField[0]&1 != 0
		bitOffset, precision := d.u16(), d.u16()
		if d.err != nil {
			return nil, d.err
		}
		if (size != 4 && size != 8) || bitOffset != 0 || uint64(precision) != 8*size {
			return nil, fmt.Errorf("h5: float of %d bytes, precision %d, offset %d is not IEEE binary32/binary64", size, precision, bitOffset)
		}
	case classString:
		t.spacePad = bitField[0]&0x0f == 2
	case classVarLen:
		t.vlenStr = bitField[0]&0x0f == 1
	}
	if t.size == 0 {
		return nil, fmt.Errorf("h5: datatype class %d with size 0", t.class)
	}
	return t, nil
}

// describe names a datatype for error messages.
func (t *datatype) describe() string {
	switch t.class {
	case classFixedPoint:
		return fmt.Sprintf("%d-byte integer", t.size)
	case classFloat:
		return fmt.Sprintf("%d-byte float", t.size)
	case classString:
		return fmt.Sprintf("%d-byte string", t.size)
	case classVarLen:
		if t.vlenStr {
			return "variable-length string"
		}
		return "variable-length sequence"
	}
	return fmt.Sprintf("datatype class %d", t.class)
}

// dataspace is an array shape; a scalar has no dims and one element, a null space zero elements.
type dataspace struct {
	dims  []uint64
	count uint64 // product of dims (1 for a scalar, 0 for null)
}

// decodeDataspace decodes a dataspace message body; limit caps the element count.
func (fr *fileReader) decodeDataspace(b []byte, limit uint64) (*dataspace, error) {
	d := fr.decoder(b, "dataspace message")
	version, rank, flags := d.u8(), int(d.u8()), d.u8()
	null := false
	switch version {
	case 1:
		d.skip(5) // reserved
	case 2:
		null = d.u8() == 2 // 0 scalar, 1 simple, 2 null
	default:
		if d.err == nil {
			return nil, fmt.Errorf("h5: dataspace version %d (want 1 or 2)", version)
		}
	}
	if rank > maxRank {
		return nil, fmt.Errorf("h5: dataspace of rank %d (max %d)", rank, maxRank)
	}
	s := &dataspace{count: 1}
	for i := 0; i < rank; i++ {
		s.dims = append(s.dims, d.length())
	}
	// Maximum dimensions (flags bit 0) and permutation indices (bit 1) follow; not needed.
	_ = flags
	if d.err != nil {
		return nil, d.err
	}
	for _, n := range s.dims {
		if n != 0 && s.count > limit/n {
			return nil, fmt.Errorf("h5: dataspace %v holds more elements than the file can", s.dims)
		}
		s.count *= n
	}
	if null {
		s.count = 0
	}
	if s.count > limit {
		return nil, fmt.Errorf("h5: dataspace of %d elements is larger than the file allows", s.count)
	}
	return s, nil
}
