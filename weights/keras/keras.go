// Package keras reads Keras 2 HDF5 weight files (model.save_weights(…h5) and
// the weights inside model.save(…h5)) into float32 tensors.
//
// The layout is Keras' legacy saving code, keras/saving/legacy/hdf5_format.py
// (save_weights_to_hdf5_group, load_weights_from_hdf5_group and
// load_attributes_from_hdf5_group):
//   - the weights group (the root, or "model_weights" in a full-model file)
//     has attributes layer_names (the layers in model order), backend and
//     keras_version;
//   - each layer has a group of the same name whose attribute weight_names
//     lists its weights in order, e.g. "conv1_conv/kernel:0";
//   - weight w of layer L is the dataset L/w (the '/' in w adds a level);
//   - a layer without weights (or whose weights were left out) has an empty
//     weight_names;
//   - an attribute over 64 KiB is split into name0, name1, … and read back
//     concatenated.
//
// The older keras_applications layer names (res2a_branch2a, …) are read as today's (names.go).
//
// Shapes are as Keras stores them: Conv2D kernels are [KH, KW, C, K]
// (K = out channels), Dense kernels [C, K], biases and BatchNormalization
// vectors [K].
package keras

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/graftml/graft/weights/h5"
)

// File holds every layer's weights.
type File struct {
	LayerNames   []string          // layer_names, in model order
	Layers       map[string]*Layer // by layer name
	Backend      string            // e.g. "tensorflow"; "" if absent
	KerasVersion string            // e.g. "2.13.1"; "" if absent
}

// Layer is one entry of layer_names.
type Layer struct {
	Name     string    // today's Keras name (names.go translates keras_applications' old ones)
	FileName string    // the name stored in the file
	Weights  []*Weight // in weight_names order; empty = the file holds no weights for this layer
}

// Weight is one weight tensor.
type Weight struct {
	Name  string // as stored in weight_names, e.g. "conv1_conv/kernel:0"
	Shape []int
	Data  []float32 // row-major, len = product of Shape
}

// ErrMissing is wrapped by Get's error for a layer or weight the file does not hold.
var ErrMissing = errors.New("keras: weight missing")

// ReadFile reads every weight of the Keras HDF5 file at path.
func ReadFile(path string) (*File, error) {
	f, err := h5.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	kf, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return kf, nil
}

// Read reads every weight of the size-byte Keras HDF5 file in r.
func Read(r io.ReaderAt, size int64) (*File, error) {
	f, err := h5.Open(r, size)
	if err != nil {
		return nil, err
	}
	return read(f)
}

func read(f *h5.File) (*File, error) {
	wg, err := weightsGroup(f.Root())
	if err != nil {
		return nil, err
	}
	names, err := stringList(wg, "layer_names")
	if err != nil {
		return nil, err
	}
	kf := &File{LayerNames: names, Layers: make(map[string]*Layer, len(names))}
	kf.Backend = firstString("backend", wg, f.Root())
	kf.KerasVersion = firstString("keras_version", wg, f.Root())
	for _, name := range names {
		if _, dup := kf.Layers[name]; dup {
			return nil, fmt.Errorf("keras: layer %q listed twice in layer_names", name)
		}
		layer, err := readLayer(wg, name)
		if err != nil {
			return nil, err
		}
		kf.Layers[name] = layer
	}
	if err := kf.renameLegacy(); err != nil {
		return nil, err
	}
	return kf, nil
}

// weightsGroup returns the group holding layer_names: the root, or
// model_weights in a file written by model.save.
func weightsGroup(root *h5.Group) (*h5.Group, error) {
	if hasList(root, "layer_names") {
		return root, nil
	}
	if g, err := root.Group("model_weights"); err == nil && hasList(g, "layer_names") {
		return g, nil
	}
	return nil, errors.New("keras: no layer_names attribute at the root or in model_weights (not a Keras weights file)")
}

func hasList(g *h5.Group, name string) bool {
	_, err := g.Attr(name)
	if err == nil {
		return true
	}
	_, err = g.Attr(name + "0")
	return err == nil
}

// stringList reads a string-list attribute, joining Keras' chunks name0, name1, … when the whole one is absent.
func stringList(g *h5.Group, name string) ([]string, error) {
	if a, err := g.Attr(name); err == nil {
		return a.Strings()
	} else if !errors.Is(err, h5.ErrNotFound) {
		return nil, err
	}
	var out []string
	for i := 0; ; i++ {
		a, err := g.Attr(fmt.Sprintf("%s%d", name, i))
		if errors.Is(err, h5.ErrNotFound) && i > 0 {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("keras: attribute %s: %w", name, err)
		}
		s, err := a.Strings()
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
}

// firstString returns the first string of attribute name on the first group that has it.
func firstString(name string, groups ...*h5.Group) string {
	for _, g := range groups {
		if a, err := g.Attr(name); err == nil {
			if s, err := a.Strings(); err == nil && len(s) > 0 {
				return s[0]
			}
		}
	}
	return ""
}

// readLayer reads the weights that weight_names lists for one layer.
func readLayer(wg *h5.Group, name string) (*Layer, error) {
	g, err := wg.Group(name)
	if err != nil {
		return nil, fmt.Errorf("keras: layer %q: %w", name, err)
	}
	wnames, err := stringList(g, "weight_names")
	if err != nil {
		return nil, fmt.Errorf("keras: layer %q: %w", name, err)
	}
	layer := &Layer{Name: name, FileName: name}
	for _, wn := range wnames {
		ds, err := g.Dataset(wn)
		if err != nil {
			return nil, fmt.Errorf("keras: layer %q weight %q: %w", name, wn, err)
		}
		data, err := ds.Float32s()
		if err != nil {
			return nil, fmt.Errorf("keras: layer %q weight %q: %w", name, wn, err)
		}
		layer.Weights = append(layer.Weights, &Weight{Name: wn, Shape: ds.Shape(), Data: data})
	}
	return layer, nil
}

// Get returns a layer's weight by short name: Get("conv1_conv", "kernel")
// finds "conv1_conv/kernel:0". The full stored name also works. A missing
// layer or weight gives an error that names it and wraps ErrMissing.
func (f *File) Get(layer, short string) (*Weight, error) {
	l, ok := f.Layers[layer]
	if !ok {
		return nil, fmt.Errorf("%w: layer %q is not in layer_names", ErrMissing, layer)
	}
	for _, w := range l.Weights {
		if w.Name == short || shortName(w.Name) == short {
			return w, nil
		}
	}
	if len(l.Weights) == 0 {
		return nil, fmt.Errorf("%w: layer %q has no weights in this file (want %q)", ErrMissing, layer, short)
	}
	have := make([]string, len(l.Weights))
	for i, w := range l.Weights {
		have[i] = shortName(w.Name)
	}
	sort.Strings(have)
	return nil, fmt.Errorf("%w: layer %q has no weight %q (has %s)", ErrMissing, layer, short, strings.Join(have, ", "))
}

// shortName turns "conv1_conv/kernel:0" into "kernel".
func shortName(stored string) string {
	s := stored[strings.LastIndexByte(stored, '/')+1:]
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return s
}
