// Tests and benchmark on the real partial ResNet50 Keras file in ../shared/data,
// checked against resnet50_partial_expect.json (shapes and per-layer SHA-256
// written by h5py in make_fixtures.py).
package h5

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"github.com/graftml/graft/internal/shared"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

const realFileRel = "data/resnet50-keras-partial/resnet50_weights_tf_dim_ordering_tf_kernels.partial.h5"

// sharedDir finds the shared folder (internal/shared: $GRAFT_SHARED or ../shared).
func sharedDir() string { return shared.Dir() }

func realFile(tb testing.TB) string {
	tb.Helper()
	p := filepath.Join(sharedDir(), realFileRel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("real Keras file absent (%v); set GRAFT_SHARED to the shared folder", err)
	}
	return p
}

type realExpect struct {
	Layers []struct {
		Name    string `json:"name"`
		Weights [][2]json.RawMessage
		SHA256  string `json:"sha256"`
	} `json:"layers"`
	Backend      string `json:"backend"`
	KerasVersion string `json:"keras_version"`
}

func TestRealPartialFile(t *testing.T) {
	f, err := OpenFile(realFile(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := os.ReadFile(filepath.Join(testdataDir, "resnet50_partial_expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want realExpect
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	root := f.Root()
	a, err := root.Attr("layer_names")
	if err != nil {
		t.Fatal(err)
	}
	names, err := a.Strings()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(want.Layers) || len(names) != 107 {
		t.Fatalf("%d layer names, want %d (107)", len(names), len(want.Layers))
	}
	for _, attr := range []struct{ name, want string }{{"backend", want.Backend}, {"keras_version", want.KerasVersion}} {
		a, err := root.Attr(attr.name)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := a.Strings(); err != nil || len(s) != 1 || s[0] != attr.want {
			t.Errorf("%s = %q, %v; want %q", attr.name, s, err, attr.want)
		}
	}
	for i, layer := range want.Layers {
		if names[i] != layer.Name {
			t.Fatalf("layer_names[%d] = %q, want %q", i, names[i], layer.Name)
		}
		g, err := root.Group(layer.Name)
		if err != nil {
			t.Fatal(err)
		}
		wa, err := g.Attr("weight_names")
		if err != nil {
			t.Fatal(err)
		}
		wnames, err := wa.Strings()
		if err != nil {
			t.Fatal(err)
		}
		if len(wnames) != len(layer.Weights) {
			t.Fatalf("%s: %d weight names, want %d", layer.Name, len(wnames), len(layer.Weights))
		}
		h := sha256.New()
		for j, w := range layer.Weights {
			var wname string
			var shape []int
			if json.Unmarshal(w[0], &wname) != nil || json.Unmarshal(w[1], &shape) != nil {
				t.Fatalf("bad expect entry %s", w)
			}
			if wnames[j] != wname {
				t.Fatalf("%s weight_names[%d] = %q, want %q", layer.Name, j, wnames[j], wname)
			}
			ds, err := g.Dataset(wname)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ds.Shape(), shape) {
				t.Errorf("%s/%s shape %v, want %v", layer.Name, wname, ds.Shape(), shape)
			}
			vals, err := ds.Float32s()
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 4*len(vals))
			for k, v := range vals {
				binary.LittleEndian.PutUint32(buf[4*k:], math.Float32bits(v))
			}
			h.Write(buf)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != layer.SHA256 {
			t.Errorf("%s: SHA-256 of weights %s, want %s", layer.Name, got, layer.SHA256)
		}
	}
	// Spot checks named in the task.
	k, err := root.Dataset("conv1_conv/conv1_conv/kernel:0")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(k.Shape(), []int{7, 7, 3, 64}) {
		t.Errorf("conv1_conv kernel shape %v, want [7 7 3 64]", k.Shape())
	}
	g, err := root.Group("conv5_block1_0_conv")
	if err != nil {
		t.Fatal(err)
	}
	wa, err := g.Attr("weight_names")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := wa.Strings(); err != nil || len(s) != 0 {
		t.Errorf("conv5_block1_0_conv weight_names = %q, %v; want empty", s, err)
	}
}

// BenchmarkReadRealFile opens the real file and reads every weight of every layer.
func BenchmarkReadRealFile(b *testing.B) {
	path := realFile(b)
	for b.Loop() {
		f, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		a, err := f.Root().Attr("layer_names")
		if err != nil {
			b.Fatal(err)
		}
		names, _ := a.Strings()
		total := 0
		for _, name := range names {
			g, err := f.Root().Group(name)
			if err != nil {
				b.Fatal(err)
			}
			wa, err := g.Attr("weight_names")
			if err != nil {
				b.Fatal(err)
			}
			wnames, _ := wa.Strings()
			for _, w := range wnames {
				ds, err := g.Dataset(w)
				if err != nil {
					b.Fatal(err)
				}
				v, err := ds.Float32s()
				if err != nil {
					b.Fatal(err)
				}
				total += 4 * len(v)
			}
		}
		b.SetBytes(int64(total))
		f.Close()
	}
}
