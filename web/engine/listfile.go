// listfile.go: a picked file into the model worker's listing from its size, SHA-256 and first
// bytes (app/dataset Lister.AddHashed), as AddFile lists it from all its bytes: the worker's
// JavaScript hashes the File, so only its header crosses into Go when listed and the whole
// file only once, when extracted.
package engine

import (
	"path"
	"strings"

	"github.com/graftml/graft/app/dataset"
)

// AddHashedFile is AddFile for a file of size bytes with SHA-256 hash that starts with header.
// false: header was too short for the image header; list it with AddFile instead.
func AddHashedFile(l *dataset.Lister, rel string, size int64, hash string, header []byte) bool {
	rel = path.Clean(strings.TrimPrefix(rel, "/"))
	if !l.AddHashed(rel, size, hash, header) {
		return false
	}
	if class, _, inClass := strings.Cut(rel, "/"); inClass {
		l.AddClass(class)
	}
	return true
}
