// lister_hashed.go: listing a file from what its reader already computed — its size, its
// SHA-256 and its first bytes — so that a caller holding the file elsewhere (the browser's
// worker: a File hashed with crypto.subtle in JavaScript) need not copy it all into Go. The
// rules are Add's (list.go): hidden, outside a class, empty, not an image or undecodable by its
// header; duplicates by hash are removed by Listing.
package dataset

import (
	"bytes"
	"errors"
	"image"
	"io"
	"path"
	"slices"
	"strings"
)

// HeaderBytes is how many first bytes of a file AddHashed is normally given: enough for the
// image header of a PNG, GIF or WebP, and of a JPEG whose metadata before its frame header
// (EXIF, ICC profile, thumbnail) is under 64 KiB.
const HeaderBytes = 64 << 10

// AddHashed lists the file at rel of size bytes whose content has SHA-256 hash (lowercase hex)
// and starts with header (all of it when size ≤ len(header)). It reports false, having listed
// nothing, when header ends before the image header does: the caller then lists the file with
// Add and all its bytes.
func (l *Lister) AddHashed(rel string, size int64, hash string, header []byte) bool {
	rel = path.Clean(strings.TrimPrefix(rel, "/"))
	class, _, inClass := strings.Cut(rel, "/")
	switch {
	case slices.ContainsFunc(strings.Split(rel, "/"), func(s string) bool { return strings.HasPrefix(s, ".") }):
		l.skipped = append(l.skipped, Skip{rel, ReasonHidden})
		return true
	case !inClass:
		l.skipped = append(l.skipped, Skip{rel, ReasonNoClass})
		return true
	case size == 0:
		l.skipped = append(l.skipped, Skip{rel, ReasonEmpty})
		return true
	}
	if int64(len(header)) < size {
		if _, _, err := image.DecodeConfig(bytes.NewReader(header)); errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return false
		}
	}
	if reason := checkImage(header); reason != "" {
		l.skipped = append(l.skipped, Skip{rel, reason})
		return true
	}
	l.AddClass(class)
	l.entries = append(l.entries, Entry{Path: rel, Hash: hash, Bytes: size})
	l.classOf = append(l.classOf, class)
	return true
}
