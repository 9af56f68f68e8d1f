// Layer names as Keras loads them. keras.Model.load_weights on an HDF5 file matches layers by
// order, checking shapes, not by name (keras/src/legacy/saving/legacy_h5_format.py,
// load_weights_from_hdf5_group: the model's layers with weights against the file's layers with
// weights, in order). So a file written by the older keras_applications ResNet50, whose layers
// are named conv1, bn_conv1, res2a_branch2a, bn2a_branch2a, …, fc1000, loads into today's
// model (conv1_conv, conv1_bn, conv2_block1_1_conv, conv2_block1_1_bn, …, predictions).
//
// Graft does the same in two steps (RATIONALE.md, "Keras names, old and new"): read renames the
// old keras_applications names to today's (LegacyName), and ByOrder pairs the layers of a file
// with any other names with the model's by order and shape.
package keras

import (
	"fmt"
	"slices"
	"strconv"
)

// LegacyName translates a keras_applications ResNet50 layer name to today's Keras name:
//
//	conv1 → conv1_conv            bn_conv1 → conv1_bn            fc1000 → predictions
//	res<S><b>_branch1  → conv<S>_block<B>_0_conv   (the shortcut; bn<S><b>_branch1 → …_0_bn)
//	res<S><b>_branch2a → conv<S>_block<B>_1_conv   (2b → _2, 2c → _3; bn… → …_bn)
//
// with S the stage 2…5 and the block letter b = a, b, c, … numbered B = 1, 2, 3, …. ok is
// false for any other name.
func LegacyName(name string) (string, bool) {
	switch name {
	case "conv1":
		return "conv1_conv", true
	case "bn_conv1":
		return "conv1_bn", true
	case "fc1000":
		return "predictions", true
	}
	var kind, rest string
	switch {
	case len(name) > 3 && name[:3] == "res":
		kind, rest = "conv", name[3:]
	case len(name) > 2 && name[:2] == "bn":
		kind, rest = "bn", name[2:]
	default:
		return "", false
	}
	// rest = "<S><b>_branch<1|2a|2b|2c>"
	if len(rest) < len("2a_branch1") || rest[0] < '2' || rest[0] > '5' || rest[1] < 'a' || rest[1] > 'z' || rest[2:9] != "_branch" {
		return "", false
	}
	part := map[string]string{"1": "0", "2a": "1", "2b": "2", "2c": "3"}[rest[9:]]
	if part == "" {
		return "", false
	}
	return "conv" + rest[:1] + "_block" + strconv.Itoa(int(rest[1]-'a')+1) + "_" + part + "_" + kind, true
}

// renameLegacy gives the layers with keras_applications names today's names (Layer.FileName
// keeps the stored one). A file mixing the namings, or whose old names collide, is refused.
func (f *File) renameLegacy() error {
	legacy := 0
	for _, n := range f.LayerNames {
		if _, ok := LegacyName(n); ok {
			legacy++
		}
	}
	if legacy == 0 {
		return nil
	}
	renamed := make(map[string]*Layer, len(f.Layers))
	for i, n := range f.LayerNames {
		l := f.Layers[n]
		if now, ok := LegacyName(n); ok {
			if _, clash := f.Layers[now]; clash {
				return fmt.Errorf("keras: layer %q and the old keras_applications name %q of the same layer are both in layer_names", now, n)
			}
			f.LayerNames[i], l.Name = now, now
		}
		if _, dup := renamed[l.Name]; dup {
			return fmt.Errorf("keras: two layers are named %q once the old keras_applications names are translated", l.Name)
		}
		renamed[l.Name] = l
	}
	f.Layers = renamed
	return nil
}

// LayerShapes is one layer of a model that has weights: its name and its weights' shapes in
// Keras' order (Conv2D: kernel, bias; BatchNormalization: gamma, beta, moving_mean,
// moving_variance; Dense: kernel, bias).
type LayerShapes struct {
	Name   string
	Shorts []string // the weights' short names, e.g. "kernel", "bias"
	Shapes [][]int
}

// ByOrder renames the file's layers to the model's as Keras' load_weights pairs them: the k-th
// layer of the file that holds weights is the k-th layer of model, which must have as many
// weights of the same shapes. The error names the first layer whose shapes differ. Layers
// without weights in the file are left out, as Keras does, so a partial file (whose missing
// layers hold no weights) cannot be matched by order: match it by name.
func (f *File) ByOrder(model []LayerShapes) (*File, error) {
	var stored []*Layer
	for _, n := range f.LayerNames {
		if l := f.Layers[n]; len(l.Weights) > 0 {
			stored = append(stored, l)
		}
	}
	if len(stored) != len(model) {
		return nil, fmt.Errorf("keras: the file has %d layers with weights, the model %d (Keras' load_weights pairs them by order)", len(stored), len(model))
	}
	out := &File{Layers: make(map[string]*Layer, len(model)), Backend: f.Backend, KerasVersion: f.KerasVersion}
	for k, want := range model {
		l := stored[k]
		var have [][]int
		for _, w := range l.Weights {
			have = append(have, w.Shape)
		}
		if !slices.EqualFunc(have, want.Shapes, slices.Equal) {
			return nil, fmt.Errorf("keras: layer %d with weights, %q in the file, has weight shapes %v; the model's layer %d, %s, needs %v", k+1, l.FileName, have, k+1, want.Name, want.Shapes)
		}
		nl := &Layer{Name: want.Name, FileName: l.FileName}
		for i, w := range l.Weights {
			nl.Weights = append(nl.Weights, &Weight{Name: want.Name + "/" + want.Shorts[i] + ":0", Shape: w.Shape, Data: w.Data})
		}
		out.LayerNames = append(out.LayerNames, want.Name)
		out.Layers[want.Name] = nl
	}
	return out, nil
}
