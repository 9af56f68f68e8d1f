// Tests of the Keras weights reader on h5py fixtures (weights/testdata,
// written by make_fixtures.py) and on the real partial ResNet50 file.
package keras

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"github.com/graftml/graft/internal/shared"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/graftml/graft/weights/h5/h5test"
)

const testdataDir = "../testdata"

type fixtureExpect struct {
	Datasets map[string]struct {
		Shape []int `json:"shape"`
		Seed  int   `json:"seed"`
	} `json:"datasets"`
	Attrs           map[string]map[string][]string `json:"attrs"`
	KerasLayerNames []string                       `json:"keras_layer_names"`
}

// fixtureValue is make_fixtures.py's value(i, seed): exact in float32.
func fixtureValue(i, seed int) float32 {
	return float32(float64((i*7919+seed*104729)%10007-5003) / 64)
}

func loadExpect(t *testing.T) map[string]fixtureExpect {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]fixtureExpect
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestFixtures reads every Keras-layout fixture and checks names, shapes and values.
func TestFixtures(t *testing.T) {
	files := map[string]string{ // fixture → prefix of dataset paths before the layer name
		"keras_tiny_v0.h5":     "/",
		"keras_tiny_latest.h5": "/",
		"keras_split_attrs.h5": "/",
		"keras_model_save.h5":  "/model_weights/",
	}
	expect := loadExpect(t)
	for name, prefix := range files {
		t.Run(name, func(t *testing.T) {
			want := expect[name]
			if len(want.KerasLayerNames) == 0 {
				t.Fatalf("expect.json has no keras_layer_names for %s", name)
			}
			kf, err := ReadFile(filepath.Join(testdataDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(kf.LayerNames, want.KerasLayerNames) {
				t.Errorf("LayerNames = %q, want %q", kf.LayerNames, want.KerasLayerNames)
			}
			if kf.Backend != "tensorflow" || kf.KerasVersion != "2.13.1" {
				t.Errorf("Backend, KerasVersion = %q, %q", kf.Backend, kf.KerasVersion)
			}
			seen := 0
			for _, ln := range kf.LayerNames {
				for _, w := range kf.Layers[ln].Weights {
					path := prefix + ln + "/" + w.Name
					d, ok := want.Datasets[path]
					if !ok {
						t.Fatalf("weight %s not in expect.json", path)
					}
					seen++
					if !reflect.DeepEqual(w.Shape, d.Shape) {
						t.Errorf("%s shape %v, want %v", path, w.Shape, d.Shape)
					}
					for i, v := range w.Data {
						if v != fixtureValue(i, d.Seed) {
							t.Fatalf("%s[%d] = %v, want %v", path, i, v, fixtureValue(i, d.Seed))
						}
					}
					got, err := kf.Get(ln, shortName(w.Name))
					if err != nil || got != w {
						t.Errorf("Get(%q, %q) = %v, %v", ln, shortName(w.Name), got, err)
					}
				}
			}
			if seen != len(want.Datasets) {
				t.Errorf("read %d weights, expect.json lists %d datasets", seen, len(want.Datasets))
			}
		})
	}
}

func TestGetMissing(t *testing.T) {
	kf, err := ReadFile(filepath.Join(testdataDir, "keras_tiny_v0.h5"))
	if err != nil {
		t.Fatal(err)
	}
	if w, err := kf.Get("conv_b", "kernel"); err != nil || !reflect.DeepEqual(w.Shape, []int{2, 2, 3, 5}) {
		t.Errorf("Get(conv_b, kernel) = %v, %v", w, err)
	}
	if w, err := kf.Get("conv_b", "conv_b/bias:0"); err != nil || w.Name != "conv_b/bias:0" {
		t.Errorf("Get by stored name = %v, %v", w, err)
	}
	for _, c := range []struct{ layer, short, mention string }{
		{"empty_d", "kernel", "empty_d"},
		{"input_1", "kernel", "no weights"},
		{"no_such_layer", "kernel", "no_such_layer"},
		{"dense_a", "gamma", "gamma"},
	} {
		_, err := kf.Get(c.layer, c.short)
		if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("Get(%q, %q) error %v: want ErrMissing mentioning %q", c.layer, c.short, err, c.mention)
		}
	}
	if l := kf.Layers["empty_d"]; l == nil || len(l.Weights) != 0 {
		t.Errorf("empty_d = %+v, want a layer with no weights", l)
	}
}

func TestNotKeras(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testdataDir, "layouts_earliest.h5"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Read(bytes.NewReader(b), int64(len(b))); err == nil || !strings.Contains(err.Error(), "layer_names") {
		t.Errorf("non-Keras file: %v, want an error about layer_names", err)
	}
	if _, err := Read(bytes.NewReader(b[:100]), 100); err == nil {
		t.Error("truncated file read without error")
	}
}

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

// TestRealPartialFile checks every layer against resnet50_partial_expect.json
// (names, shapes and a SHA-256 of each layer's weights, computed by h5py).
func TestRealPartialFile(t *testing.T) {
	kf, err := ReadFile(realFile(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(testdataDir, "resnet50_partial_expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Layers []struct {
			Name    string
			Weights [][2]json.RawMessage
			SHA256  string
		}
		Backend      string
		KerasVersion string `json:"keras_version"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(kf.LayerNames) != 107 || len(want.Layers) != 107 {
		t.Fatalf("%d layers (expect.json %d), want 107", len(kf.LayerNames), len(want.Layers))
	}
	if kf.Backend != want.Backend || kf.KerasVersion != want.KerasVersion {
		t.Errorf("Backend, KerasVersion = %q, %q; want %q, %q", kf.Backend, kf.KerasVersion, want.Backend, want.KerasVersion)
	}
	empty := 0
	for i, wl := range want.Layers {
		if kf.LayerNames[i] != wl.Name {
			t.Fatalf("LayerNames[%d] = %q, want %q", i, kf.LayerNames[i], wl.Name)
		}
		l := kf.Layers[wl.Name]
		if len(l.Weights) != len(wl.Weights) {
			t.Fatalf("%s: %d weights, want %d", wl.Name, len(l.Weights), len(wl.Weights))
		}
		if len(l.Weights) == 0 {
			empty++
		}
		h := sha256.New()
		for j, w := range l.Weights {
			var name string
			var shape []int
			if json.Unmarshal(wl.Weights[j][0], &name) != nil || json.Unmarshal(wl.Weights[j][1], &shape) != nil {
				t.Fatal("bad expect entry")
			}
			if w.Name != name || !reflect.DeepEqual(w.Shape, shape) {
				t.Errorf("%s weight %d = %q %v, want %q %v", wl.Name, j, w.Name, w.Shape, name, shape)
			}
			buf := make([]byte, 4*len(w.Data))
			for k, v := range w.Data {
				binary.LittleEndian.PutUint32(buf[4*k:], math.Float32bits(v))
			}
			h.Write(buf)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != wl.SHA256 {
			t.Errorf("%s: SHA-256 %s, want %s", wl.Name, got, wl.SHA256)
		}
	}
	if empty != 10 {
		t.Errorf("%d layers without weights, want 10 (stage 5 convs and predictions)", empty)
	}
	k, err := kf.Get("conv1_conv", "kernel")
	if err != nil || !reflect.DeepEqual(k.Shape, []int{7, 7, 3, 64}) || len(k.Data) != 7*7*3*64 {
		t.Errorf("conv1_conv kernel = %v, %v; want shape [7 7 3 64]", k, err)
	}
	if l := kf.Layers["conv5_block1_0_conv"]; l == nil || len(l.Weights) != 0 {
		t.Errorf("conv5_block1_0_conv should be present with no weights: %+v", l)
	}
	if _, err := kf.Get("conv5_block1_0_conv", "kernel"); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "conv5_block1_0_conv") {
		t.Errorf("Get(conv5_block1_0_conv, kernel) error %v, want ErrMissing naming the layer", err)
	}
}

// BenchmarkReadRealFile reads every weight of the real partial file.
func BenchmarkReadRealFile(b *testing.B) {
	path := realFile(b)
	for b.Loop() {
		kf, err := ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, l := range kf.Layers {
			for _, w := range l.Weights {
				n += 4 * len(w.Data)
			}
		}
		b.SetBytes(int64(n))
	}
}

// kerasFile writes layers with h5test and reads them back.
func kerasFile(t *testing.T, layers ...h5test.KerasLayer) (*File, error) {
	t.Helper()
	b := h5test.Keras(layers)
	return Read(bytes.NewReader(b), int64(len(b)))
}

func layer(name string, shapes ...[]int) h5test.KerasLayer {
	l := h5test.KerasLayer{Name: name}
	for i, s := range shapes {
		n := 1
		for _, d := range s {
			n *= d
		}
		data := make([]float32, n)
		data[0] = float32(i + 1)
		l.Weights = append(l.Weights, h5test.KerasWeight{Name: name + "/w" + strconv.Itoa(i) + ":0", Shape: s, Data: data})
	}
	return l
}

func TestLegacyNames(t *testing.T) {
	for old, now := range map[string]string{
		"conv1": "conv1_conv", "bn_conv1": "conv1_bn", "fc1000": "predictions",
		"res2a_branch2a": "conv2_block1_1_conv", "bn2a_branch2a": "conv2_block1_1_bn",
		"res2a_branch1": "conv2_block1_0_conv", "bn3a_branch1": "conv3_block1_0_bn",
		"res4f_branch2c": "conv4_block6_3_conv", "bn5c_branch2b": "conv5_block3_2_bn",
	} {
		if got, ok := LegacyName(old); !ok || got != now {
			t.Errorf("LegacyName(%q) = %q, %v; want %q", old, got, ok, now)
		}
	}
	for _, other := range []string{"conv1_conv", "predictions", "res2a_branch3", "res6a_branch1", "bn", "input_1", "res2a_branch2d"} {
		if got, ok := LegacyName(other); ok {
			t.Errorf("LegacyName(%q) = %q, want no translation", other, got)
		}
	}
	f, err := kerasFile(t, layer("conv1", []int{1}), layer("activation_1"), layer("res2a_branch1", []int{2}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.LayerNames, []string{"conv1_conv", "activation_1", "conv2_block1_0_conv"}) || f.Layers["conv2_block1_0_conv"].FileName != "res2a_branch1" {
		t.Fatalf("read as %v", f.LayerNames)
	}
	if w, err := f.Get("conv2_block1_0_conv", "w0"); err != nil || w.Shape[0] != 2 {
		t.Fatalf("Get by today's name: %v", err)
	}
	if _, err := kerasFile(t, layer("conv1"), layer("conv1_conv")); err == nil || !strings.Contains(err.Error(), "both in layer_names") {
		t.Fatalf("old and new name of one layer: %v", err)
	}
}

func TestByOrder(t *testing.T) {
	f, err := kerasFile(t, layer("a", []int{2, 3}, []int{3}), layer("relu"), layer("b", []int{4}))
	if err != nil {
		t.Fatal(err)
	}
	model := []LayerShapes{
		{Name: "conv", Shorts: []string{"kernel", "bias"}, Shapes: [][]int{{2, 3}, {3}}},
		{Name: "bn", Shorts: []string{"gamma"}, Shapes: [][]int{{4}}},
	}
	got, err := f.ByOrder(model)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := got.Get("conv", "bias"); err != nil || k.Data[0] != 2 || got.Layers["bn"].FileName != "b" || !reflect.DeepEqual(got.LayerNames, []string{"conv", "bn"}) {
		t.Fatalf("paired as %v (%v)", got.LayerNames, err)
	}
	model[1].Shapes[0] = []int{5}
	if _, err := f.ByOrder(model); err == nil || !strings.Contains(err.Error(), `layer 2 with weights, "b" in the file, has weight shapes [[4]]; the model's layer 2, bn, needs [[5]]`) {
		t.Fatalf("wrong shape: %v", err)
	}
	if _, err := f.ByOrder(model[:1]); err == nil || !strings.Contains(err.Error(), "the file has 2 layers with weights, the model 1") {
		t.Fatalf("wrong count: %v", err)
	}
}
