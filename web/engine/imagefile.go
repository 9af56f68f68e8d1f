// Photos as the browser hands them over: how big a decoded image may be before it is
// downscaled in the browser (so a 48 Mpx photo never reaches Go at full size), and what to tell
// the user when the browser cannot decode a file at all (HEIC on Chrome, a PDF, a text file).
// The file is named and its kind read from its first bytes (the signatures in each format's
// spec: ISO/IEC 14496-12 §4.3 ftyp brands for HEIF/AVIF/MP4, TIFF 6.0 §2 header, PDF 1.7
// §7.5.2, and the JPEG/PNG/GIF/WebP/BMP magic numbers).
package engine

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Limits on what reaches Go. A 12 Mpx phone photo (4032×3024) passes unchanged, so it gives the
// same numbers as `graft classify` on the file; anything larger is downscaled by the browser
// first, keeping the aspect ratio (the result says so).
const (
	MaxSide   = 4096        // longest side, pixels
	MaxPixels = 4096 * 4096 // width × height
	// MaxFileBytes refuses absurd files before the browser tries to decode them.
	MaxFileBytes = 256 << 20
)

// PhotoLimits are a photo's limits when it is classified on its own; FolderLimits when it is one
// of a folder's (extraction for training, sorting). A folder's photos go through three workers
// at once, each decoding one, and a 12 Mpx photo held as the browser's bitmap, its canvas, the
// canvas's pixels and Go's copy is about 190 MB: the longest side of a folder's photo is brought
// to 2048 px (12.6 MB of pixels; web/README.md has the memory measured). The head then learns from what a 2048 px photo gives, a little
// different from `graft train` on the full-size file (the crop is smaller than the photo either
// way: 224 px from at least 1536).
var (
	PhotoLimits  = Limits{MaxSide, MaxPixels}
	FolderLimits = Limits{2048, 2048 * 2048}
)

// Limits bound the size of a decoded image that reaches Go.
type Limits struct{ Side, Pixels int }

// Fit returns the size an image of w×h is brought to before it reaches Go: itself when it is
// within the limits, else the largest size within both with the same aspect ratio.
func (l Limits) Fit(w, h int) (fw, fh int, scaled bool) {
	if w <= 0 || h <= 0 {
		return w, h, false
	}
	s := math.Min(1, float64(l.Side)/float64(max(w, h)))
	s = math.Min(s, math.Sqrt(float64(l.Pixels)/(float64(w)*float64(h))))
	if s >= 1 {
		return w, h, false
	}
	fw, fh = max(1, int(float64(w)*s)), max(1, int(float64(h)*s))
	for fw*fh > l.Pixels || max(fw, fh) > l.Side { // float rounding at the edge
		if fw >= fh {
			fw--
		} else {
			fh--
		}
	}
	return fw, fh, true
}

// SniffBytes is how much of a file's start Kind reads.
const SniffBytes = 64

// Kind names what a file's first bytes look like: "JPEG", "PNG", "GIF", "WebP", "BMP", "AVIF",
// "HEIC", "TIFF", "PDF", "SVG", "video", "ZIP", "text", or "" when unknown.
func Kind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return "JPEG"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "PNG"
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return "GIF"
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")):
		return "WebP"
	case bytes.HasPrefix(head, []byte("BM")) && len(head) >= 14:
		return "BMP"
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "TIFF"
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "PDF"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "ZIP"
	case len(head) >= 12 && bytes.Equal(head[4:8], []byte("ftyp")):
		return ftypKind(head)
	}
	text := strings.TrimSpace(strings.ToLower(string(head)))
	switch {
	case strings.HasPrefix(text, "<svg"), strings.HasPrefix(text, "<?xml") && strings.Contains(text, "<svg"):
		return "SVG"
	case looksLikeText(head):
		return "text"
	}
	return ""
}

// ftypKind reads the brands of an ISO base media file (HEIF, AVIF, MP4, QuickTime).
func ftypKind(head []byte) string {
	brands := string(head[8:12])
	if n := int(head[0])<<24 | int(head[1])<<16 | int(head[2])<<8 | int(head[3]); n > 16 && n <= len(head) {
		brands += string(head[16:n]) // compatible brands
	}
	switch {
	case strings.Contains(brands, "avif"), strings.Contains(brands, "avis"):
		return "AVIF"
	case strings.Contains(brands, "heic"), strings.Contains(brands, "heix"), strings.Contains(brands, "mif1"),
		strings.Contains(brands, "msf1"), strings.Contains(brands, "hevc"), strings.Contains(brands, "heim"):
		return "HEIC"
	}
	return "video"
}

// looksLikeText: valid UTF-8 (allowing a character cut at the end) without control bytes
// other than tab, CR, LF.
func looksLikeText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return false
		}
		b = b[n:]
	}
	return true
}

// Undecodable is the message shown when the browser could not decode a file: it names the
// file, says what it is when that is known, and what to do instead.
func Undecodable(name, mime string, size int64, head []byte) string {
	q := "“" + name + "”"
	if size == 0 {
		return q + " is empty."
	}
	const try = "Try a JPEG, PNG, WebP or GIF photo."
	switch k := Kind(head); k {
	case "HEIC":
		return q + " is a HEIC/HEIF photo, which this browser cannot decode. Export it as JPEG " +
			"(on an iPhone: Settings › Camera › Formats › Most Compatible) and try again."
	case "TIFF", "AVIF", "BMP", "SVG":
		return q + " is a " + k + " image, which this browser could not decode. " + try
	case "JPEG", "PNG", "GIF", "WebP":
		return q + " looks like a " + k + " file but could not be decoded: it may be truncated or damaged. " + try
	case "PDF", "ZIP", "video":
		return q + " is a " + k + " file, not a photo. " + try
	case "text":
		return q + " is a text file, not an image. " + try
	}
	if mime != "" {
		return fmt.Sprintf("%s (%s) is not an image this browser can decode. %s", q, mime, try)
	}
	return q + " is not an image this browser can decode. " + try
}

// TooLarge is the message for a file over MaxFileBytes.
func TooLarge(name string, size int64) string {
	return fmt.Sprintf("“%s” is %.0f MB; photos up to %d MB are accepted.", name, float64(size)/1e6, MaxFileBytes>>20)
}
