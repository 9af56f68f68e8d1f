// Matching a Keras weights file's layers to ResNet50's as Keras' load_weights does
// (weights/keras/names.go): by name when the file uses today's names or keras_applications'
// old ones (weights/keras translates those while reading), by order and shape otherwise. Either
// way every weight's shape is checked, and the error names the first layer whose shapes differ.
package convert

import (
	"fmt"
	"slices"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights/keras"
)

// KerasLayers lists ResNet50's layers with weights in Keras' order, the order of layer_names in
// the official file: each conv followed by its batch norm (a block's shortcut _0 first), then
// predictions. One entry per layer of resnet50.WeightSpecs.
func KerasLayers() []keras.LayerShapes {
	var out []keras.LayerShapes
	for _, s := range resnet50.WeightSpecs() {
		if len(out) == 0 || out[len(out)-1].Name != s.Layer {
			out = append(out, keras.LayerShapes{Name: s.Layer})
		}
		l := &out[len(out)-1]
		l.Shorts, l.Shapes = append(l.Shorts, s.Short), append(l.Shapes, s.Shape)
	}
	return out
}

// MatchKeras returns f with ResNet50's layer names. When every layer of f that holds weights
// has a ResNet50 name it is matched by name, so a partial file (layers without weights) works;
// otherwise by order and shape (keras.File.ByOrder), which needs every layer. Shapes are
// checked in Keras' order and the first layer that differs is named.
func MatchKeras(f *keras.File) (*keras.File, error) {
	model := KerasLayers()
	byName := make(map[string]keras.LayerShapes, len(model))
	for _, l := range model {
		byName[l.Name] = l
	}
	for _, n := range f.LayerNames {
		if _, ok := byName[n]; !ok && len(f.Layers[n].Weights) > 0 {
			return f.ByOrder(model) // a name ResNet50 does not have: pair by order, as Keras does
		}
	}
	for _, want := range model {
		l := f.Layers[want.Name]
		if l == nil || len(l.Weights) == 0 {
			continue // missing: the converter's policy decides (truncate or synthetic)
		}
		for i, short := range want.Shorts {
			w, err := f.Get(want.Name, short)
			if err != nil {
				return nil, fmt.Errorf("convert: %s: %w", stored(l), err)
			}
			if !slices.Equal(w.Shape, want.Shapes[i]) {
				return nil, fmt.Errorf("convert: layer %s: %s has shape %v, ResNet50 needs %v (the first layer whose shapes differ, in Keras' order)", stored(l), short, w.Shape, want.Shapes[i])
			}
		}
	}
	return f, nil
}

// stored names a layer as ResNet50 calls it and, if different, as the file does.
func stored(l *keras.Layer) string {
	if l.FileName != "" && l.FileName != l.Name {
		return fmt.Sprintf("%s (%s in the file)", l.Name, l.FileName)
	}
	return l.Name
}
