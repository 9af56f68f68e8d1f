// The converter's input as Keras loads it: the partial file's tensors written under today's
// layer names and under keras_applications' old ones (h5test writes the files) read back to the
// same weights; a wrong shape is named, first one first; unknown names go by order.
package convert

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/h5/h5test"
	"github.com/graftml/graft/weights/keras"
)

// legacyName is keras.LegacyName backwards: conv2_block1_1_conv → res2a_branch2a.
func legacyName(t *testing.T, name string) string {
	switch name {
	case "conv1_conv":
		return "conv1"
	case "conv1_bn":
		return "bn_conv1"
	case "predictions":
		return "fc1000"
	}
	// convS_blockB_P_kind
	parts := strings.Split(name, "_")
	b, err := strconv.Atoi(strings.TrimPrefix(parts[1], "block"))
	if len(parts) != 4 || err != nil {
		t.Fatalf("not a ResNet50 layer name: %s", name)
	}
	prefix := map[string]string{"conv": "res", "bn": "bn"}[parts[3]]
	branch := map[string]string{"0": "1", "1": "2a", "2": "2b", "3": "2c"}[parts[2]]
	return prefix + parts[0][4:] + string(rune('a'+b-1)) + "_branch" + branch
}

// writeAs writes f's layers, in its order, under rename's names; it returns the file read back.
func writeAs(t *testing.T, f *keras.File, rename func(string) string) *keras.File {
	t.Helper()
	var layers []h5test.KerasLayer
	for _, n := range f.LayerNames {
		l := h5test.KerasLayer{Name: rename(n)}
		for _, w := range f.Layers[n].Weights {
			short := w.Name[strings.LastIndexByte(w.Name, '/')+1:]
			l.Weights = append(l.Weights, h5test.KerasWeight{Name: l.Name + "/" + short, Shape: w.Shape, Data: w.Data})
		}
		layers = append(layers, l)
	}
	b := h5test.Keras(layers)
	got, err := keras.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCurrentAndLegacyNamesGiveTheSameWeights(t *testing.T) {
	want := partialSource(t)
	f, _ := partialFile()
	for _, naming := range []struct {
		name   string
		rename func(string) string
	}{
		{"current", func(n string) string { return n }},
		{"keras_applications", func(n string) string { return legacyName(t, n) }},
	} {
		t.Run(naming.name, func(t *testing.T) {
			read := writeAs(t, f, naming.rename)
			if naming.name != "current" && (read.Layers["conv2_block1_0_conv"] == nil || read.Layers["conv2_block1_0_conv"].FileName != "res2a_branch1") {
				t.Fatalf("res2a_branch1 is not read as conv2_block1_0_conv")
			}
			matched, err := MatchKeras(read)
			if err != nil {
				t.Fatal(err)
			}
			got := weights.KerasSource(matched)
			specs := resnet50.WeightSpecs()
			if m, w := resnet50.MissingWeights(got, specs), resnet50.MissingWeights(want, specs); !slices.Equal(m, w) || len(w) == 0 {
				t.Fatalf("missing %v, want %v", m, w)
			}
			for _, s := range specs {
				gs, gd, gerr := got.Weight(s.Layer, s.Short)
				ws, wd, werr := want.Weight(s.Layer, s.Short)
				if (gerr == nil) != (werr == nil) || !slices.Equal(gs, ws) || !slices.Equal(gd, wd) {
					t.Fatalf("%s differs (%v, %v)", s.Name(), gerr, werr)
				}
			}
		})
	}
}

// conv is a layer with a kernel and a bias of the given shapes, filled with zeros.
func conv(name string, kernel []int) h5test.KerasLayer {
	n := 1
	for _, d := range kernel {
		n *= d
	}
	k := kernel[len(kernel)-1]
	return h5test.KerasLayer{Name: name, Weights: []h5test.KerasWeight{
		{Name: name + "/kernel:0", Shape: kernel, Data: make([]float32, n)},
		{Name: name + "/bias:0", Shape: []int{k}, Data: make([]float32, k)},
	}}
}

func readKeras(t *testing.T, layers ...h5test.KerasLayer) *keras.File {
	t.Helper()
	b := h5test.Keras(layers)
	f, err := keras.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMatchKerasNamesTheFirstWrongShape(t *testing.T) {
	f := readKeras(t,
		conv("conv1", []int{7, 7, 3, 64}),
		conv("res4a_branch2b", []int{3, 3, 256, 255}), // wrong, but later in Keras' order
		conv("res3a_branch2b", []int{3, 3, 128, 127}), // wrong, and first
	)
	_, err := MatchKeras(f)
	if err == nil || !strings.Contains(err.Error(), "conv3_block1_2_conv (res3a_branch2b in the file): kernel has shape [3 3 128 127], ResNet50 needs [3 3 128 128]") {
		t.Fatalf("want the error to name res3a_branch2b: %v", err)
	}
	ok := readKeras(t, conv("conv1", []int{7, 7, 3, 64}), conv("fc1000", []int{2048, 1000}))
	if m, err := MatchKeras(ok); err != nil || m.Layers["predictions"] == nil {
		t.Fatalf("a correct partial file with old names: %v", err)
	}
}

// Names ResNet50 does not have: paired by order as Keras does, which needs every layer.
func TestMatchKerasUnknownNamesGoByOrder(t *testing.T) {
	f := readKeras(t, conv("my_first_conv", []int{7, 7, 3, 64}))
	_, err := MatchKeras(f)
	if err == nil || !strings.Contains(err.Error(), "the file has 1 layers with weights, the model 107") {
		t.Fatalf("%v", err)
	}
	model := KerasLayers()
	if len(model) != 107 || model[0].Name != "conv1_conv" || model[2].Name != "conv2_block1_0_conv" || model[106].Name != "predictions" ||
		!slices.Equal(model[1].Shorts, []string{"gamma", "beta", "moving_mean", "moving_variance"}) {
		t.Fatalf("Keras' order: %v %v %v %v", model[0], model[1].Shorts, model[2].Name, model[106].Name)
	}
}
