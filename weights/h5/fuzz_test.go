// Fuzzing: any input must yield an error or a value, never a panic, a hang
// or a huge allocation. Seeds are the h5py fixtures and truncations of them.
package h5

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzOpen(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join(testdataDir, "*.h5"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)*3/4])
		f.Add(b[:len(b)/3])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		budget := 200 // objects visited per input, so one input stays fast
		walkAll(file.Root(), 0, &budget)
	})
}

// walkAll touches every member, attribute and dataset below g, ignoring errors.
func walkAll(g *Group, depth int, budget *int) {
	if depth > 8 || *budget <= 0 {
		return
	}
	if names, err := g.AttrNames(); err == nil {
		for _, n := range names {
			if a, err := g.Attr(n); err == nil {
				a.Strings()
				a.Shape()
			}
		}
	}
	members, err := g.Members()
	if err != nil {
		return
	}
	for _, m := range members {
		*budget--
		if *budget <= 0 {
			return
		}
		if sub, err := g.Group(m); err == nil {
			walkAll(sub, depth+1, budget)
			continue
		}
		if ds, err := g.Dataset(m); err == nil {
			ds.Shape()
			ds.Float32s()
		}
	}
}

// TestFixturesWalk runs the fuzz body over every fixture and its truncations.
func TestFixturesWalk(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(testdataDir, "*.h5"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n <= len(b); n += 1 + len(b)/64 {
			if file, err := Open(bytes.NewReader(b[:n]), int64(n)); err == nil {
				budget := 200
				walkAll(file.Root(), 0, &budget)
			}
		}
	}
}
