// Refusing a hostile or unusable photo before anything decodes it: from its size, its first
// bytes (preprocess.DecodeHeader reads only the header, as image.DecodeConfig would, with no
// decoder linked: PNG IHDR, GIF logical screen, JPEG SOF, WebP VP8X/VP8/VP8L, BMP info header) and its last bytes (a PNG ends with its IEND chunk,
// PNG spec §11.2.5), so that a 100 Mpx "decompression bomb", a 500 MB file, an SVG (which can
// carry scripts), a HEIC photo or a cut-off file gets a message naming it within milliseconds
// instead of a decoder's minutes or memory.
package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/graftml/graft/core/preprocess"
)

// HeaderBytes is how much of a file's start CheckHeader is given: the whole image header of a
// PNG, GIF, WebP or BMP, and of a JPEG whose metadata before its frame header is under 64 KiB.
const HeaderBytes = 64 << 10

// TailBytes is how much of a file's end CheckHeader is given.
const TailBytes = 16

// MaxPhotoPixels is the most pixels a photo's header may declare: preprocess.MaxPixels, the
// limit of `graft classify`, so the page and the command line accept the same files.
const MaxPhotoPixels = preprocess.MaxPixels

// pngEnd is the IEND chunk every PNG ends with: length 0, type, CRC.
var pngEnd = []byte("\x00\x00\x00\x00IEND\xaeB\x60\x82")

// CheckHeader returns why a file of size bytes that starts with head and ends with tail cannot
// be a photo here, or "" when it may be decoded. name and mime are the file's.
func CheckHeader(name, mime string, size int64, head, tail []byte) string {
	q := "“" + name + "”"
	const convert = "Convert it to JPEG or PNG and try again."
	switch {
	case size == 0:
		return q + " is empty (0 bytes): there is no photo in it."
	case size > MaxFileBytes:
		return TooLarge(name, size)
	}
	kind := Kind(head)
	if (kind == "" || kind == "text") && (strings.HasPrefix(strings.ToLower(mime), "image/svg") ||
		bytes.Contains(bytes.ToLower(head), []byte("<svg"))) {
		kind = "SVG" // also one that opens with a long comment or doctype
	}
	switch kind {
	case "SVG":
		return q + " is an SVG drawing, which is refused: SVG files can carry scripts. " + convert
	case "HEIC":
		return q + " is a HEIC/HEIF photo, which this page cannot decode. " + convert +
			" (On an iPhone: Settings › Camera › Formats › Most Compatible takes JPEGs.)"
	case "TIFF", "PDF", "ZIP", "video", "text":
		return Undecodable(name, mime, size, head)
	case "JPEG", "PNG", "GIF", "WebP", "BMP":
	default:
		return "" // unknown here (AVIF, or no signature): the browser may still decode it
	}
	cfg, err := preprocess.DecodeHeader(head)
	whole := int64(len(head)) >= size
	switch {
	case err != nil && (whole || !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF)):
		return fmt.Sprintf("%s looks like a %s file but its header is damaged or cut short (%v). Try the original file, or "+
			"convert it to JPEG or PNG.", q, kind, err)
	case err != nil:
		return "" // the header lies beyond HeaderBytes (a JPEG with much metadata): the browser reads it
	case cfg.Width <= 0 || cfg.Height <= 0:
		return fmt.Sprintf("%s is a %s whose header says it is %d×%d pixels: there is no picture in it.", q, kind, cfg.Width, cfg.Height)
	case int64(cfg.Width)*int64(cfg.Height) > MaxPhotoPixels:
		return fmt.Sprintf("%s is a %s of %d×%d pixels (%.0f Mpx); photos up to %d Mpx are accepted. Scale it down and try again.",
			q, kind, cfg.Width, cfg.Height, float64(cfg.Width)*float64(cfg.Height)/1e6, MaxPhotoPixels>>20)
	case kind == "PNG" && !bytes.HasSuffix(tail, pngEnd):
		return q + " is a PNG that is cut short (its end is missing): it may not have finished downloading or copying. Try the complete file."
	}
	return ""
}
