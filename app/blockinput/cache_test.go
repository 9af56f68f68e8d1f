// cache_test.go: InputDir keeps what it is given under its key, and reports a miss for an
// absent, damaged or foreign file (graft train's end-to-end use: core/cmd/graft TestTrainDynamic).
package blockinput

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestInputDir(t *testing.T) {
	d := InputDir{Dir: t.TempDir()}
	q := codecSample(t)
	if _, ok := d.Get("k1"); ok {
		t.Fatal("a hit in an empty folder")
	}
	if err := d.Put("k1", q); err != nil {
		t.Fatal(err)
	}
	got, ok := d.Get("k1")
	if !ok || got.H != q.H || !slices.Equal(got.Codes, q.Codes) || !slices.Equal(got.Scale, q.Scale) {
		t.Fatalf("round trip: %v %+v", ok, got)
	}
	if _, ok := d.Get("k2"); ok {
		t.Fatal("another key hits")
	}
	files, _ := filepath.Glob(filepath.Join(d.Dir, "*", "*.gbi"))
	if len(files) != 1 {
		t.Fatalf("files %v, want one", files)
	}
	b, _ := os.ReadFile(files[0])
	b[len(b)/2] ^= 1
	if err := os.WriteFile(files[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Get("k1"); ok {
		t.Fatal("a damaged file hits")
	}
	if err := d.Put("k1", q); err != nil { // replaced by the next Put
		t.Fatal(err)
	}
	if _, ok := d.Get("k1"); !ok {
		t.Fatal("not replaced")
	}
	if left, _ := filepath.Glob(filepath.Join(d.Dir, "*", ".tmp-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
