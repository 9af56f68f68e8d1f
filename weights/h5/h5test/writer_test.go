// The writer checked against the reader it serves (weights/h5): groups, string attributes and
// float32 datasets come back as written.
package h5test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/graftml/graft/weights/h5"
)

func TestRoundTrip(t *testing.T) {
	root := New()
	root.Strings("layer_names", []string{"conv1", "a_longer_name"})
	root.Strings("empty", nil)
	root.Group("no_members")
	g := root.Group("conv1").Group("conv1")
	g.Float32s("kernel:0", []int{2, 3}, []float32{1, -2, 3.5, 0, 1e-30, 7})
	b := root.Bytes()
	f, err := h5.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.Root().Attr("layer_names")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := a.Strings(); err != nil || !slices.Equal(s, []string{"conv1", "a_longer_name"}) {
		t.Fatalf("layer_names: %q, %v", s, err)
	}
	if a, err := f.Root().Attr("empty"); err != nil {
		t.Fatal(err)
	} else if s, err := a.Strings(); err != nil || len(s) != 0 {
		t.Fatalf("empty: %q, %v", s, err)
	}
	if m, err := f.Root().Members(); err != nil || !slices.Equal(m, []string{"conv1", "no_members"}) {
		t.Fatalf("members %v, %v", m, err)
	}
	if g, err := f.Root().Group("no_members"); err != nil {
		t.Fatal(err)
	} else if m, err := g.Members(); err != nil || len(m) != 0 {
		t.Fatalf("an empty group has members %v, %v", m, err)
	}
	ds, err := f.Root().Dataset("conv1/conv1/kernel:0")
	if err != nil {
		t.Fatal(err)
	}
	v, err := ds.Float32s()
	if err != nil || !slices.Equal(ds.Shape(), []int{2, 3}) || !slices.Equal(v, []float32{1, -2, 3.5, 0, 1e-30, 7}) {
		t.Fatalf("dataset %v %v, %v", ds.Shape(), v, err)
	}
}
