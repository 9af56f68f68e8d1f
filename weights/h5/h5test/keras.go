// Keras weight files, laid out as Keras' save_weights writes them (weights/keras documents the
// layout): layer_names, backend and keras_version on the root; per layer a group with
// weight_names; weight "L/kernel:0" of layer L is the dataset L/L/kernel:0.
package h5test

import "strings"

// KerasLayer is one entry of layer_names; Weights may be empty.
type KerasLayer struct {
	Name    string
	Weights []KerasWeight
}

// KerasWeight is one weight; Name is as stored in weight_names, e.g. "conv1/kernel:0".
type KerasWeight struct {
	Name  string
	Shape []int
	Data  []float32
}

// Keras returns the bytes of a Keras HDF5 weights file holding layers in this order.
func Keras(layers []KerasLayer) []byte {
	root := New()
	names := make([]string, len(layers))
	for i, l := range layers {
		names[i] = l.Name
		g := root.Group(l.Name)
		var wnames []string
		subs := map[string]*Group{}
		for _, w := range l.Weights {
			wnames = append(wnames, w.Name)
			dir, base := "", w.Name
			if i := strings.LastIndexByte(w.Name, '/'); i >= 0 {
				dir, base = w.Name[:i], w.Name[i+1:]
			}
			sub := g
			if dir != "" {
				if subs[dir] == nil {
					subs[dir] = g.Group(dir) // one level: Keras' names have one '/'
				}
				sub = subs[dir]
			}
			sub.Float32s(base, w.Shape, w.Data)
		}
		g.Strings("weight_names", wnames)
	}
	root.Strings("layer_names", names)
	root.Strings("backend", []string{"tensorflow"})
	root.Strings("keras_version", []string{"2.2.4"})
	return root.Bytes()
}
