// exif.go reads the EXIF Orientation tag of a JPEG, by hand and bounds-checked (it is fuzzed).
//
// Where the truth lives: JPEG markers — ITU T.81 Annex B (SOI FFD8, segments FFxx + 16-bit
// big-endian length that counts itself, standalone markers RSTn/TEM without length, SOS FFDA
// starts the entropy-coded data). EXIF — CIPA DC-008 (Exif 2.32) §4.5/4.6: APP1 (FFE1) payload
// "Exif\0\0" followed by a TIFF structure: byte order "II" (little) or "MM" (big), 42, offset of
// IFD0; an IFD is a 16-bit count of 12-byte entries (tag, type, count, value-or-offset).
// Orientation is tag 0x0112, type SHORT (3), count 1, values 1–8.
package preprocess

import "encoding/binary"

const (
	exifOrientationTag = 0x0112
	tiffTypeShort      = 3
	tiffTypeLong       = 4 // not allowed by the spec for Orientation, but some writers use it
)

// exifOrientation returns the EXIF orientation (1–8) of a JPEG file, or 1 when the file has
// none, is not a JPEG, or the metadata is malformed. It never panics and never allocates.
func exifOrientation(jpeg []byte) int {
	if len(jpeg) < 2 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+2 <= len(jpeg) {
		if jpeg[i] != 0xFF {
			return 1 // lost marker sync: malformed
		}
		marker := jpeg[i+1]
		if marker == 0xFF { // fill byte before a marker
			i++
			continue
		}
		i += 2
		switch {
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8):
			continue // TEM, RSTn, SOI: no length field
		case marker == 0xD9 || marker == 0xDA:
			return 1 // EOI, or SOS: no metadata after this point
		}
		if i+2 > len(jpeg) {
			return 1
		}
		n := int(jpeg[i])<<8 | int(jpeg[i+1]) // segment length, counting these two bytes
		if n < 2 || n > len(jpeg)-i {
			return 1
		}
		seg := jpeg[i+2 : i+n]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:]) // the first Exif block decides
		}
		i += n
	}
	return 1
}

// tiffOrientation returns the Orientation tag (1–8) of IFD0 of a TIFF structure, or 1.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:4]) != 42 {
		return 1
	}
	off := uint64(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > uint64(len(t)) {
		return 1
	}
	count := int(bo.Uint16(t[off : off+2]))
	entries := t[off+2:]
	for k := 0; k < count && 12*k+12 <= len(entries); k++ {
		e := entries[12*k : 12*k+12]
		if bo.Uint16(e[0:2]) != exifOrientationTag {
			continue
		}
		if bo.Uint32(e[4:8]) != 1 {
			return 1
		}
		var v uint32
		switch bo.Uint16(e[2:4]) {
		case tiffTypeShort:
			v = uint32(bo.Uint16(e[8:10])) // a SHORT value sits in the first 2 bytes of the field
		case tiffTypeLong:
			v = bo.Uint32(e[8:12])
		default:
			return 1
		}
		if v >= 1 && v <= 8 {
			return int(v)
		}
		return 1
	}
	return 1
}
