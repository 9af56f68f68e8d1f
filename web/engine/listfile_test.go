package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/graftml/graft/app/dataset"
)

// TestAddHashedFileIsAddFile: the worker's listing from hashes and headers is its listing from
// whole files, a class folder holding no image included.
func TestAddHashedFileIsAddFile(t *testing.T) {
	files := map[string][]byte{"/a/p.png": classPhoto(0, 0), "a/q.png": classPhoto(0, 1), "b/p.png": classPhoto(1, 0),
		"b/copy.png": classPhoto(1, 0), "empty/readme.txt": []byte("x"), "loose.png": classPhoto(0, 0)}
	whole, hashed := dataset.NewLister(), dataset.NewLister()
	for rel, data := range files {
		AddFile(whole, rel, data)
		sum := sha256.Sum256(data)
		if !AddHashedFile(hashed, rel, int64(len(data)), hex.EncodeToString(sum[:]), data[:min(len(data), dataset.HeaderBytes)]) {
			t.Fatalf("%s handed back", rel)
		}
	}
	got, want := hashed.Listing(), whole.Listing()
	if !reflect.DeepEqual(got, want) || len(want.Classes) != 3 || len(want.Entries) != 3 {
		t.Errorf("from hashes %+v\nfrom whole files %+v", got, want)
	}
}
