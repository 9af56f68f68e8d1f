// Tests of the HDF5 reader against fixtures written by h5py
// (weights/testdata/make_fixtures.py) and the real partial Keras file.
package h5

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const testdataDir = "../testdata"

// fixtureExpect mirrors expect.json, written by make_fixtures.py.
type fixtureExpect struct {
	Datasets map[string]struct {
		Shape []int `json:"shape"`
		Seed  int   `json:"seed"`
	} `json:"datasets"`
	Attrs       map[string]map[string][]string `json:"attrs"`
	Members     map[string][]string            `json:"members"`
	MemberCount map[string]int                 `json:"member_count"`
	Errors      map[string]string              `json:"errors"`
}

func loadExpect(t testing.TB) map[string]fixtureExpect {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]fixtureExpect
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if len(e) == 0 {
		t.Fatal("expect.json lists no fixtures")
	}
	return e
}

// fixtureValue is make_fixtures.py's value(i, seed): exact in float32.
func fixtureValue(i, seed int) float32 {
	return float32(float64((i*7919+seed*104729)%10007-5003) / 64)
}

func TestFixtures(t *testing.T) {
	for name, want := range loadExpect(t) {
		t.Run(name, func(t *testing.T) {
			f, err := OpenFile(filepath.Join(testdataDir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			root := f.Root()
			for path, w := range want.Datasets {
				checkDataset(t, root, path, w.Shape, w.Seed)
			}
			for gpath, attrs := range want.Attrs {
				g, err := root.Group(gpath)
				if err != nil {
					t.Fatalf("group %s: %v", gpath, err)
				}
				for aname, wantStrings := range attrs {
					a, err := g.Attr(aname)
					if err != nil {
						t.Fatalf("%s attr %s: %v", gpath, aname, err)
					}
					got, err := a.Strings()
					if err != nil {
						t.Fatalf("%s attr %s: %v", gpath, aname, err)
					}
					if len(got) != 0 || len(wantStrings) != 0 {
						if !reflect.DeepEqual(got, wantStrings) {
							t.Errorf("%s attr %s = %q, want %q", gpath, aname, got, wantStrings)
						}
					}
				}
			}
			for gpath, wantMembers := range want.Members {
				got := members(t, root, gpath)
				if !reflect.DeepEqual(got, wantMembers) {
					t.Errorf("members of %s = %q, want %q", gpath, got, wantMembers)
				}
			}
			for gpath, n := range want.MemberCount {
				if got := members(t, root, gpath); len(got) != n {
					t.Errorf("%s has %d members, want %d", gpath, len(got), n)
				}
			}
			for path, substr := range want.Errors {
				err := datasetError(root, path)
				if err == nil || !strings.Contains(err.Error(), substr) {
					t.Errorf("%s: error %v, want one containing %q", path, err, substr)
				}
			}
		})
	}
}

func members(t *testing.T, root *Group, path string) []string {
	t.Helper()
	g, err := root.Group(path)
	if err != nil {
		t.Fatalf("group %s: %v", path, err)
	}
	m, err := g.Members()
	if err != nil {
		t.Fatalf("members of %s: %v", path, err)
	}
	return m
}

func datasetError(root *Group, path string) error {
	ds, err := root.Dataset(path)
	if err != nil {
		return err
	}
	_, err = ds.Float32s()
	return err
}

// checkDataset compares a dataset with make_fixtures.py's formula. Seed -1
// is the partly written "sparse" dataset (1.5 in the top-left 2x2 chunk,
// zeros elsewhere), seed -2 a dataset never written (all zeros).
func checkDataset(t *testing.T, root *Group, path string, shape []int, seed int) {
	t.Helper()
	ds, err := root.Dataset(path)
	if err != nil {
		t.Fatalf("dataset %s: %v", path, err)
	}
	if got := ds.Shape(); !reflect.DeepEqual(got, shape) && !(len(got) == 0 && len(shape) == 0) {
		t.Errorf("%s: shape %v, want %v", path, got, shape)
	}
	got, err := ds.Float32s()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if len(got) != n {
		t.Fatalf("%s: %d values, want %d", path, len(got), n)
	}
	for i, v := range got {
		var want float32
		switch seed {
		case -1:
			if r, c := i/shape[1], i%shape[1]; r < 2 && c < 2 {
				want = 1.5
			}
		case -2:
		default:
			want = fixtureValue(i, seed)
		}
		if math.Float32bits(v) != math.Float32bits(want) {
			t.Fatalf("%s[%d] = %v, want %v", path, i, v, want)
		}
	}
}

func TestMissingMember(t *testing.T) {
	f, err := OpenFile(filepath.Join(testdataDir, "groups_latest.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Root().Group("a/nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing group: %v, want ErrNotFound", err)
	}
	if _, err := f.Root().Attr("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing attribute: %v, want ErrNotFound", err)
	}
	if _, err := f.Root().Group("a/sibling"); err == nil || !strings.Contains(err.Error(), "dataset, not a group") {
		t.Errorf("dataset opened as group: %v", err)
	}
	if _, err := f.Root().Dataset("a/b"); err == nil || !strings.Contains(err.Error(), "group, not a dataset") {
		t.Errorf("group opened as dataset: %v", err)
	}
	names, err := f.Root().Group("attrs_many")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := names.AttrNames(); err != nil || len(got) != 20 || got[0] != "attr00" || got[19] != "attr19" {
		t.Errorf("AttrNames = %q, %v; want attr00..attr19", got, err)
	}
}

func TestWrongMagic(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testdataDir, "keras_tiny_v0.h5"))
	if err != nil {
		t.Fatal(err)
	}
	b[1] = 'X' // "\x89HDF" → "\x89XDF"
	_, err = Open(bytes.NewReader(b), int64(len(b)))
	if err == nil || !strings.Contains(err.Error(), "not an HDF5 file") {
		t.Errorf("wrong magic: %v, want 'not an HDF5 file'", err)
	}
	if _, err := Open(bytes.NewReader(nil), 0); err == nil {
		t.Error("empty input opened without error")
	}
}

// TestTruncated checks that a file cut short fails when opened: the
// superblock's end-of-file address no longer fits.
func TestTruncated(t *testing.T) {
	for _, name := range []string{"keras_tiny_v0.h5", "keras_tiny_latest.h5", "userblock.h5"} {
		b, err := os.ReadFile(filepath.Join(testdataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 7, 8, 100, len(b) / 2, len(b) - 1} {
			if _, err := Open(bytes.NewReader(b[:n]), int64(n)); err == nil {
				t.Errorf("%s cut to %d of %d bytes opened without error", name, n, len(b))
			}
		}
	}
}

// TestConcurrentReads shares one Group between goroutines (run with -race).
func TestConcurrentReads(t *testing.T) {
	f, err := OpenFile(filepath.Join(testdataDir, "groups_latest.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := f.Root().Group("many")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		go func() {
			ds, err := g.Dataset(fmt.Sprintf("link%03d", w*10))
			if err == nil {
				_, err = ds.Float32s()
			}
			errs <- err
		}()
	}
	for w := 0; w < 8; w++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestBTreeCycle points the first child of every internal group B-tree node
// back at the node itself: reading members must fail, not loop.
func TestBTreeCycle(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testdataDir, "groups_earliest.h5"))
	if err != nil {
		t.Fatal(err)
	}
	patched := 0
	for at := bytes.Index(b, []byte("TREE")); at >= 0; {
		if b[at+4] == 0 && b[at+5] > 0 { // group node, level ≥ 1
			child0 := at + 8 + 16 + 8 // prefix, siblings, key 0
			le.PutUint64(b[child0:], uint64(at))
			patched++
		}
		next := bytes.Index(b[at+4:], []byte("TREE"))
		if next < 0 {
			break
		}
		at += 4 + next
	}
	if patched == 0 {
		t.Fatal("fixture has no internal group B-tree node")
	}
	f, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.Root().Group("many")
	if err == nil {
		_, err = g.Members()
	}
	if err == nil || !(strings.Contains(err.Error(), "twice") || strings.Contains(err.Error(), "level")) {
		t.Errorf("cyclic B-tree: error %v, want a cycle or level error", err)
	}
}
