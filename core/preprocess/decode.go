// decode.go implements Decode: image bytes → image.Image, with a pixel budget checked from the
// header before any pixel is decoded (decompression bombs: ReadHeader), and JPEG EXIF
// orientation applied. Formats are those of the standard library (image/jpeg, image/png,
// image/gif) and golang.org/x/image (webp, bmp), registered in formats.go; the page's model
// worker decodes with the browser and registers none (-tags nodecoders, formats_nodecoders.go),
// so there Decode refuses with ErrNoDecoders while ReadHeader works as everywhere.
package preprocess

import (
	"bytes"
	"errors"
	"fmt"
	"image"
)

// MaxPixels is the largest width×height Decode accepts: 64 Mpx, well above any camera photo
// (a 48 Mpx phone sensor is 8064×6048) and a bound on memory: the decoded image plus its RGB
// copy stay under ~0.5 GiB.
const MaxPixels = 64 << 20

var (
	// ErrNotImage: the bytes are not in a format Decode reads. The message says what they look like.
	ErrNotImage = errors.New("preprocess: not a supported image (JPEG, PNG, GIF, WebP or BMP)")
	// ErrTooLarge: the header declares more than MaxPixels pixels; nothing was decoded.
	ErrTooLarge = errors.New("preprocess: image too large")
	// ErrNoDecoders: this build (-tags nodecoders) links none of Go's image decoders.
	ErrNoDecoders = errors.New("preprocess: this build decodes photos with the browser; Go's image decoders are not linked")
)

// Decode decodes a JPEG, PNG, GIF (first frame), WebP or BMP image. format is the registered
// name ("jpeg", "png", "gif", "webp", "bmp"). Before decoding it reads the header and refuses
// images over MaxPixels (ErrTooLarge) or of unknown format (ErrNotImage).
//
// For JPEG, the EXIF Orientation tag (1–8) is applied, so the image comes back the way a
// browser shows it; the result is then an opaque *image.RGBA. Keras' load_img does not do
// this, so a rotated phone photo reaches Keras sideways but reaches us upright.
func Decode(data []byte) (img image.Image, format string, err error) {
	h, err := ReadHeader(data)
	if err != nil {
		return nil, h.Format, err
	}
	if !decodersLinked {
		return nil, h.Format, ErrNoDecoders
	}
	img, format, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, h.Format, fmt.Errorf("preprocess: decoding %s: %w", h.Format, err)
	}
	// The header was checked; check what the decoder actually built too (a GIF frame or a JPEG
	// with a second SOF could in principle disagree with the header).
	b := img.Bounds()
	if err := checkPixelBudget(format, b.Dx(), b.Dy()); err != nil {
		return nil, format, err
	}
	if format == "jpeg" {
		if o := exifOrientation(data); o != 1 {
			img = orient(img, o)
		}
	}
	return img, format, nil
}

// ReadHeader is Decode's check before decoding: the header (DecodeHeader, which gives what
// image.DecodeConfig would), then the pixel budget. Errors wrap ErrNotImage (saying what the
// bytes look like), ErrTooLarge, or say the header is damaged or cut short.
func ReadHeader(data []byte) (Header, error) {
	h, err := DecodeHeader(data)
	switch {
	case errors.Is(err, ErrNotImage):
		return h, fmt.Errorf("%w; the data looks like %s", ErrNotImage, sniff(data))
	case err != nil && h.Format == "":
		return h, fmt.Errorf("%w; the data looks like %s", ErrNotImage, sniff(data)) // too short for any signature
	case err != nil:
		return h, fmt.Errorf("preprocess: reading the %s header: %w", h.Format, err)
	}
	return h, checkPixelBudget(h.Format, h.Width, h.Height)
}

// checkPixelBudget refuses empty images and images over MaxPixels, naming the size and the limit.
func checkPixelBudget(format string, w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("preprocess: %s image has no pixels (%d×%d)", format, w, h)
	}
	if int64(w)*int64(h) > MaxPixels {
		return fmt.Errorf("%w: the %s header says %d×%d = %.1f Mpx, over the limit of %d Mpx (MaxPixels)",
			ErrTooLarge, format, w, h, float64(w)*float64(h)/(1<<20), MaxPixels>>20)
	}
	return nil
}

// sniff names what non-image bytes look like, for ErrNotImage messages.
func sniff(data []byte) string {
	if len(data) == 0 {
		return "nothing (0 bytes)"
	}
	head := data
	if len(head) > 512 {
		head = head[:512]
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	lower := bytes.ToLower(trimmed)
	has := func(prefix string) bool { return bytes.HasPrefix(lower, []byte(prefix)) }
	at := func(off int, magic string) bool {
		return len(head) >= off+len(magic) && string(head[off:off+len(magic)]) == magic
	}
	switch {
	case has("<!doctype html"), has("<html"):
		return "an HTML page"
	case has("<svg"), has("<?xml") && bytes.Contains(lower, []byte("<svg")):
		return "an SVG image (vector images are not supported; export it as PNG)"
	case has("<?xml"):
		return "an XML document"
	case has("{"), has("["):
		return "JSON or other text"
	case at(0, "%PDF-"):
		return "a PDF document"
	case at(0, "PK\x03\x04"):
		return "a ZIP archive"
	case at(4, "ftypheic"), at(4, "ftypheix"), at(4, "ftypmif1"), at(4, "ftyphevc"):
		return "a HEIC/HEIF image (not supported; export it as JPEG)"
	case at(4, "ftypavif"):
		return "an AVIF image (not supported; export it as JPEG or PNG)"
	case at(4, "ftyp"):
		return "an MP4/QuickTime video"
	case at(0, "II*\x00"), at(0, "MM\x00*"):
		return "a TIFF image (not supported)"
	case at(0, "\x00\x00\x01\x00"):
		return "an ICO icon (not supported)"
	case at(0, "\x00\x00\x00\x0cjP  "), at(0, "\xff\x4f\xff\x51"):
		return "a JPEG 2000 image (not supported)"
	case at(0, "\xff\xd8"):
		return "a damaged JPEG"
	case at(0, "\x89PNG"):
		return "a damaged PNG"
	case isText(head):
		return "text"
	}
	n := min(len(data), 8)
	return fmt.Sprintf("unknown binary data starting % x", data[:n])
}

// isText reports whether b is printable ASCII/UTF-8-ish text (no control bytes but whitespace).
func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
