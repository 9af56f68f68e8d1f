// model.go: the head as a network (Net: dense layers, ReLU between them, logits out) and as a
// trained model (Model: the Net plus what its inputs are and what its outputs mean), with
// Keras' initialisation and the inference pass.
package head

import (
	"fmt"
	"math"
	"slices"

	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
)

// Output says how the logits become class probabilities, and which loss trains them.
type Output string

const (
	// Softmax: C logits, softmax, categorical cross-entropy. Any number of classes ≥ 2.
	Softmax Output = "softmax"
	// Sigmoid: one logit z, P(class 1) = σ(z), binary cross-entropy. Two classes only; class 0
	// is the negative one.
	Sigmoid Output = "sigmoid"
)

// Units is how many logits the last layer has for classes classes.
func (o Output) Units(classes int) int {
	if o == Sigmoid {
		return 1
	}
	return classes
}

// Dense is one fully connected layer: y [N,Out] = x [N,In]·Kernel + Bias.
type Dense struct {
	In, Out int
	Kernel  []float32 // [In, Out], Keras' layout
	Bias    []float32 // [Out]
}

// Net is the trainable head: Layers in order, ReLU after every layer but the last, whose
// outputs are the logits ([N,C] for Softmax, [N,1] for Sigmoid). Dropout, a training-time
// layer, is not part of it.
type Net struct {
	Layers []Dense
	Output Output
}

// newNet builds a Net features → hidden… → Output.Units(classes) with Keras' Dense defaults:
// glorot_uniform kernels (uniform in ±√(6/(In+Out))) and zero biases, drawn from r.
func newNet(features int, hidden []int, classes int, out Output, r *rng) *Net {
	net := &Net{Output: out}
	in := features
	for _, units := range append(slices.Clone(hidden), out.Units(classes)) {
		limit := math.Sqrt(6 / float64(in+units))
		d := Dense{In: in, Out: units, Kernel: make([]float32, in*units), Bias: make([]float32, units)}
		for i := range d.Kernel {
			d.Kernel[i] = float32((2*r.float64() - 1) * limit)
		}
		net.Layers = append(net.Layers, d)
		in = units
	}
	return net
}

// Features is the input width F of the net.
func (n *Net) Features() int { return n.Layers[0].In }

// clone returns a deep copy (early stopping keeps the best weights this way).
func (n *Net) clone() *Net {
	c := &Net{Output: n.Output, Layers: make([]Dense, len(n.Layers))}
	for i, d := range n.Layers {
		c.Layers[i] = Dense{In: d.In, Out: d.Out, Kernel: slices.Clone(d.Kernel), Bias: slices.Clone(d.Bias)}
	}
	return c
}

// inferRows is how many rows the inference pass runs at once (bounds its memory).
const inferRows = 256

// logits runs the net on x [rows,F] and returns the logits [rows, Units].
func (n *Net) logits(x []float32, rows int) []float32 {
	last := n.Layers[len(n.Layers)-1]
	out := make([]float32, rows*last.Out)
	var a, b []float32
	for r0 := 0; r0 < rows; r0 += inferRows {
		m := min(inferRows, rows-r0)
		cur := x[r0*n.Features() : (r0+m)*n.Features()]
		for li, d := range n.Layers {
			if li == len(n.Layers)-1 {
				denseForward(out[r0*d.Out:(r0+m)*d.Out], cur, d.Kernel, d.Bias, m, d.In, d.Out)
				break
			}
			a = grow(a, m*d.Out)
			denseForward(a, cur, d.Kernel, d.Bias, m, d.In, d.Out)
			reluForward(a)
			cur, a, b = a, b, a // the next layer writes into the other buffer
		}
	}
	return out
}

// Base says what a head's inputs are: the pooled output of Layer of the base model ModelID,
// computed on images prepared with Resize.
type Base struct {
	ModelID  string `json:"model_id"` // weights/format manifest model.id, or graft's id for an .h5 file
	Layer    string `json:"layer"`    // ResNet50 output layer, e.g. "conv4_block6_out"
	Features int    `json:"features"` // F = resnet50.OutputChannels(Layer)
	Resize   string `json:"resize"`   // preprocess.ResizeMode: "crop" or "nearest"
}

// Check reports whether b is a plausible description of ResNet50 features.
func (b Base) Check() error {
	switch {
	case b.ModelID == "" || len(b.ModelID) > MaxNameBytes:
		return fmt.Errorf("base model id %q: empty or longer than %d bytes", b.ModelID, MaxNameBytes)
	case resnet50.LayerIndex(b.Layer) < 0 || resnet50.OutputChannels(b.Layer) <= 0:
		return fmt.Errorf("base layer %q is not a ResNet50 feature layer", b.Layer)
	case b.Features != resnet50.OutputChannels(b.Layer):
		return fmt.Errorf("base layer %s has %d channels, not %d features", b.Layer, resnet50.OutputChannels(b.Layer), b.Features)
	case b.Resize != string(preprocess.Crop) && b.Resize != string(preprocess.Nearest):
		return fmt.Errorf("base resize %q: want %q or %q", b.Resize, preprocess.Crop, preprocess.Nearest)
	}
	return nil
}

// Model is a trained head: what a head file stores (app/headfile/FORMAT.md).
type Model struct {
	Net
	Classes  []string // C names; class i is logit i (Softmax), or σ = P(Classes[1]) (Sigmoid)
	Base     Base
	Training Config   // the settings it was trained with
	Metrics  *Summary // validation metrics of these weights; nil when trained without validation
	Trunk    *Trunk   // fine-tuned base layers (the dynamic strategy); nil for a conservative head
	// Calibration's temperature divides the logits before Probabilities' softmax or sigmoid
	// (calibrate.go); nil for a head without one (trained without validation, or written before
	// calibration existed): the logits as they are.
	Calibration *Calibration
	OpenSet     *OpenSet // "none of these" (openset.go); nil for a head without one
}

// CheckBase refuses to run the head on features of another model or layer.
func (m *Model) CheckBase(modelID, layer string) error {
	if modelID != m.Base.ModelID || layer != m.Base.Layer {
		return fmt.Errorf("this head was trained on %s features of model %s, not on %s of %s: use the model and layer it was trained with, or train a new head",
			m.Base.Layer, m.Base.ModelID, layer, modelID)
	}
	return nil
}

// Probabilities runs the head on x [rows,F] (pooled features of Base) and returns the class
// probabilities [rows,C].
func (m *Model) Probabilities(x []float32, rows int) ([]float32, error) {
	if rows < 0 || len(x) != rows*m.Features() {
		return nil, fmt.Errorf("head: %d features for %d rows, want %d per row", len(x), rows, m.Features())
	}
	z := m.logits(x, rows)
	if c := m.Calibration; c != nil && c.Temperature != 1 {
		t := c.Temperature
		for i, v := range z {
			z[i] = float32(float64(v) / float64(t))
		}
	}
	p := make([]float32, rows*len(m.Classes))
	if m.Output == Sigmoid {
		sigmoidRows(p, z, rows)
	} else {
		softmaxRows(p, z, rows, len(m.Classes))
	}
	return p, nil
}

// Predict returns the most probable class of each row of x [rows,F], decided on the logits as
// training counts accuracy (predictedClass).
func (m *Model) Predict(x []float32, rows int) ([]int, error) {
	if rows < 0 || len(x) != rows*m.Features() {
		return nil, fmt.Errorf("head: %d features for %d rows, want %d per row", len(x), rows, m.Features())
	}
	z := m.logits(x, rows)
	units := m.Output.Units(len(m.Classes))
	out := make([]int, rows)
	for i := range out {
		out[i] = predictedClass(m.Output, z[i*units:(i+1)*units])
	}
	return out, nil
}

// predictedClass is the class a row of logits votes for: the largest logit (ties: the lower
// class) for Softmax, class 1 when z > 0 for Sigmoid (σ(z) > 0.5, Keras' binary_accuracy).
func predictedClass(out Output, z []float32) int {
	if out == Sigmoid {
		if z[0] > 0 {
			return 1
		}
		return 0
	}
	return argmax(z)
}
