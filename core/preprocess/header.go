// header.go implements DecodeHeader: an image's format and size from its first bytes, as
// image.DecodeConfig gives them, without the decoders (the browser build decodes photos with
// the browser and links none of Go's: header checks are all it needs). The headers read, each
// by its definition and as the Go decoders read them:
//
//	PNG  signature, then the IHDR chunk (PNG spec §11.2.2); Go's image/png reader.go
//	GIF  "GIF87a"/"GIF89a", the logical screen descriptor and global colour table (GIF89a §17–19)
//	JPEG SOI, then markers up to the first SOF0/1/2 frame header (ITU T.81 §B.2); image/jpeg reader.go
//	WebP RIFF "WEBP", then the first VP8X, VP8 or VP8L chunk (RFC 9649 §2); x/image/webp
//	BMP  file header, BITMAPINFOHEADER/V4/V5 (x/image/bmp's reader.go supports those)
//
// A twin test holds it to image.DecodeConfig on the decoders' own test images and their
// truncations, and a fuzz test on mutations of them.
package preprocess

import (
	"encoding/binary"
	"fmt"
	"io"
)

// ErrHeaderShort: the bytes end before the header does (wraps io.ErrUnexpectedEOF).
var ErrHeaderShort = fmt.Errorf("the header is cut short: %w", io.ErrUnexpectedEOF)

// Header is what DecodeHeader reads: the format (image.DecodeConfig's name) and the size.
type Header struct {
	Format        string // "png", "gif", "jpeg", "webp", "bmp"
	Width, Height int
}

// headerError is a damaged or unsupported header.
type headerError struct{ format, why string }

func (e *headerError) Error() string { return e.format + ": " + e.why }

func errHeader(format, why string) error { return &headerError{format, why} }

// DecodeHeader reads the header of a PNG, GIF, JPEG, WebP or BMP image at the start of data.
// Where image.DecodeConfig (with those decoders registered) succeeds on data, DecodeHeader
// gives the same format and size; it may succeed on fewer bytes (it stops at the size). An
// error is ErrHeaderShort when data ends first, ErrNotImage without a known signature; with a
// signature known, the Header names its format.
func DecodeHeader(data []byte) (Header, error) {
	has := func(sig string) bool { return len(data) >= len(sig) && string(data[:len(sig)]) == sig }
	var format string
	var parse func([]byte) (Header, error)
	switch {
	case has("\x89PNG\r\n\x1a\n"):
		format, parse = "png", pngHeader
	case has("GIF87a"), has("GIF89a"):
		format, parse = "gif", gifHeader
	case has("\xff\xd8"):
		format, parse = "jpeg", jpegHeader
	// WebP and BMP as image.RegisterFormat's patterns have them: the first chunk a VP8, VP8L
	// or VP8X one; the BMP file header's reserved bytes zero.
	case has("RIFF") && len(data) >= 15 && string(data[8:15]) == "WEBPVP8":
		format, parse = "webp", webpHeader
	case has("BM") && len(data) >= 10 && binary.LittleEndian.Uint32(data[6:]) == 0:
		format, parse = "bmp", bmpHeader
	case len(data) < 15:
		return Header{}, ErrHeaderShort
	default:
		return Header{}, ErrNotImage
	}
	h, err := parse(data)
	if err != nil {
		return Header{Format: format}, err
	}
	return h, nil
}

func pngHeader(d []byte) (Header, error) {
	if len(d) < 8+8+13 {
		return Header{}, ErrHeaderShort
	}
	if binary.BigEndian.Uint32(d[8:]) != 13 || string(d[12:16]) != "IHDR" {
		return Header{}, errHeader("png", "the first chunk is not a 13-byte IHDR")
	}
	ihdr := d[16:29]
	w, h := int32(binary.BigEndian.Uint32(ihdr[0:])), int32(binary.BigEndian.Uint32(ihdr[4:]))
	depth, colour := ihdr[8], ihdr[9]
	switch {
	case ihdr[10] != 0 || ihdr[11] != 0:
		return Header{}, errHeader("png", "unknown compression or filter method")
	case ihdr[12] > 1:
		return Header{}, errHeader("png", "invalid interlace method")
	case w <= 0 || h <= 0:
		return Header{}, errHeader("png", "non-positive dimension")
	}
	ok := false
	switch colour { // PNG spec Table 11.1: the bit depths each colour type allows
	case 0:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
	case 3:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8
	case 2, 4, 6:
		ok = depth == 8 || depth == 16
	}
	if !ok {
		return Header{}, errHeader("png", fmt.Sprintf("bit depth %d with colour type %d", depth, colour))
	}
	return Header{"png", int(w), int(h)}, nil
}

func gifHeader(d []byte) (Header, error) {
	if len(d) < 13 {
		return Header{}, ErrHeaderShort
	}
	if d[10]&0x80 != 0 { // a global colour table follows, and DecodeConfig reads it
		if len(d) < 13+3*(2<<(d[10]&7)) {
			return Header{}, ErrHeaderShort
		}
	}
	return Header{"gif", int(binary.LittleEndian.Uint16(d[6:])), int(binary.LittleEndian.Uint16(d[8:]))}, nil
}

func jpegHeader(d []byte) (Header, error) {
	i := 2
	next := func() (byte, bool) {
		if i >= len(d) {
			return 0, false
		}
		i++
		return d[i-1], true
	}
	for {
		// A marker: 0xff, then any fill bytes; other bytes between segments are skipped, as
		// libjpeg and image/jpeg do.
		b, ok := next()
		for ok && b != 0xff {
			b, ok = next()
		}
		m, ok2 := next()
		for ok2 && m == 0xff {
			m, ok2 = next()
		}
		if !ok || !ok2 {
			return Header{}, ErrHeaderShort
		}
		switch {
		case m == 0: // "\xff\x00": extraneous data
			continue
		case m == 0xd9:
			return Header{}, errHeader("jpeg", "no frame header before the end of the image")
		case 0xd0 <= m && m <= 0xd7: // RSTn: no length
			continue
		}
		if i+2 > len(d) {
			return Header{}, ErrHeaderShort
		}
		n := int(d[i])<<8 | int(d[i+1]) - 2
		i += 2
		if n < 0 {
			return Header{}, errHeader("jpeg", "short segment length")
		}
		switch {
		case m == 0xc0 || m == 0xc1 || m == 0xc2: // SOF0, SOF1, SOF2
			if n != 6+3*1 && n != 6+3*3 && n != 6+3*4 {
				return Header{}, errHeader("jpeg", "unsupported number of components")
			}
			if i+n > len(d) {
				return Header{}, ErrHeaderShort
			}
			f := d[i : i+n]
			if f[0] != 8 {
				return Header{}, errHeader("jpeg", "unsupported precision")
			}
			if int(f[5]) != (n-6)/3 {
				return Header{}, errHeader("jpeg", "SOF has wrong length")
			}
			return Header{"jpeg", int(f[3])<<8 | int(f[4]), int(f[1])<<8 | int(f[2])}, nil
		case m == 0xda:
			return Header{}, errHeader("jpeg", "scan data before the frame header")
		case m == 0xc4 || m == 0xdb || m == 0xdd || 0xe0 <= m && m <= 0xef || m == 0xfe: // DHT, DQT, DRI, APPn, COM
			i += n
		default:
			return Header{}, errHeader("jpeg", fmt.Sprintf("unsupported marker 0x%02x (a lossless, hierarchical or arithmetic-coded JPEG)", m))
		}
	}
}

func webpHeader(d []byte) (Header, error) {
	i := 12
	for {
		if i+8 > len(d) {
			return Header{}, ErrHeaderShort
		}
		id, n := string(d[i:i+4]), int(binary.LittleEndian.Uint32(d[i+4:]))
		c := d[i+8:]
		switch id {
		case "VP8X":
			if n != 10 {
				return Header{}, errHeader("webp", "VP8X chunk of the wrong length")
			}
			if len(c) < 10 {
				return Header{}, ErrHeaderShort
			}
			w := uint64(c[4]) | uint64(c[5])<<8 | uint64(c[6])<<16 + 1
			h := uint64(c[7]) | uint64(c[8])<<8 | uint64(c[9])<<16 + 1
			if w*h > 1<<31-1 {
				return Header{}, errHeader("webp", "canvas over 2³¹ pixels")
			}
			return Header{"webp", int(w), int(h)}, nil
		case "VP8 ":
			if len(c) < 3 {
				return Header{}, ErrHeaderShort
			}
			if c[0]&1 != 0 { // not a key frame: no size in its header
				return Header{"webp", 0, 0}, nil
			}
			if len(c) < 10 {
				return Header{}, ErrHeaderShort
			}
			if c[3] != 0x9d || c[4] != 0x01 || c[5] != 0x2a {
				return Header{}, errHeader("webp", "VP8 frame without its start code")
			}
			return Header{"webp", int(c[7]&0x3f)<<8 | int(c[6]), int(c[9]&0x3f)<<8 | int(c[8])}, nil
		case "VP8L":
			if len(c) < 5 {
				return Header{}, ErrHeaderShort
			}
			bits := binary.LittleEndian.Uint32(c[1:])
			if c[0] != 0x2f || bits>>29 != 0 {
				return Header{}, errHeader("webp", "VP8L chunk without its signature or of an unknown version")
			}
			return Header{"webp", int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1}, nil
		case "ALPH":
			return Header{}, errHeader("webp", "alpha before the image's frame header") // valid only after VP8X, which returns first
		}
		i += 8 + n + n&1 // chunks are padded to an even size
	}
}

func bmpHeader(d []byte) (Header, error) {
	if len(d) < 18 {
		return Header{}, ErrHeaderShort
	}
	info := binary.LittleEndian.Uint32(d[14:])
	if info != 40 && info != 108 && info != 124 {
		return Header{}, errHeader("bmp", "unsupported info header")
	}
	if len(d) < 14+int(info) {
		return Header{}, ErrHeaderShort
	}
	w, h := int(int32(binary.LittleEndian.Uint32(d[18:]))), int(int32(binary.LittleEndian.Uint32(d[22:])))
	if h < 0 {
		h = -h
	}
	planes, bpp, compression := binary.LittleEndian.Uint16(d[26:]), binary.LittleEndian.Uint16(d[28:]), binary.LittleEndian.Uint32(d[30:])
	if compression == 3 && info > 40 && binary.LittleEndian.Uint32(d[54:]) == 0xff0000 && binary.LittleEndian.Uint32(d[58:]) == 0xff00 &&
		binary.LittleEndian.Uint32(d[62:]) == 0xff && binary.LittleEndian.Uint32(d[66:]) == 0xff000000 {
		compression = 0
	}
	offset := binary.LittleEndian.Uint32(d[10:])
	switch {
	case w < 0 || h < 0 || (w == 0) != (h == 0) || int64(w)*int64(h) > 1<<60:
		return Header{}, errHeader("bmp", "unsupported dimensions")
	case planes != 1 || compression != 0:
		return Header{}, errHeader("bmp", "compressed or multi-plane")
	case bpp == 24 || bpp == 32:
		if offset != 14+info {
			return Header{}, errHeader("bmp", "pixel data offset")
		}
	case bpp == 1 || bpp == 2 || bpp == 4 || bpp == 8:
		used := binary.LittleEndian.Uint32(d[46:])
		if used == 0 {
			used = 1 << bpp
		} else if used > 1<<bpp {
			return Header{}, errHeader("bmp", "palette larger than the bit depth allows")
		}
		if offset != 14+info+used*4 {
			return Header{}, errHeader("bmp", "pixel data offset")
		}
		if uint64(len(d)) < uint64(14+info+used*4) {
			return Header{}, ErrHeaderShort
		}
	default:
		return Header{}, errHeader("bmp", fmt.Sprintf("%d bits per pixel", bpp))
	}
	return Header{"bmp", w, h}, nil
}
