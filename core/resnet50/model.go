// The ResNet50 forward pass over core/ops, following arch.go's table. Batch norms are folded
// into the preceding conv (w' = w·γ/√(σ²+ε), b' = (b−μ)·γ/√(σ²+ε)+β); the tests check the folding
// and the fused kernels against core/resnet50/resnet50test, the same table run as Keras lays it
// out (a BatchNormalization op after each conv, the reference conv). Kernels that the source
// stores as int8 (QuantizedSource, e.g. the chunked model of weights/format) stay int8 in memory
// (ops.Weights) unless Options.Float32Weights asks for float32; results are the same bit for bit.
package resnet50

import (
	"fmt"
	"strings"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/tensor"
)

// Options choose how the model holds its weights.
type Options struct {
	// Float32Weights dequantizes the int8 kernels of a QuantizedSource at load (4× their
	// memory: ResNet50's kernels are 25.5 MB as int8, 102 MB as float32). By default they stay
	// int8. Sources without int8 kernels (the Keras .h5 file) always give float32.
	Float32Weights bool
}

// conv is one Conv2D layer with its BatchNormalization folded in.
type conv struct {
	spec   ConvSpec
	kernel ops.Weights // [KH,KW,Cin,Cout], float32 or int8
	bias   []float32   // [Cout]
}

type batchNorm struct{ gamma, beta, mean, variance []float32 } // each [Cout]

// Model is ResNet50 with the weights it was given. Layers whose weights are missing make the
// model stop at the last complete output layer (LastLayer).
type Model struct {
	convs      map[string]*conv
	dense      ops.Weights // [2048, 1000], float32 or int8; no Shape when missing
	denseBias  []float32   // [1000]
	missing    []string    // Keras names of missing weights
	lastLayer  string
	InputShape []int // [224, 224, 3]: the size include_top needs; features accept other sizes
}

// New loads ResNet50's weights from src. Missing weights are not an error here: the model then
// ends at the last output layer whose weights are all present, and running past it is.
func New(src WeightSource, opts Options) (*Model, error) {
	m := &Model{convs: map[string]*conv{}, InputShape: []int{InputSize, InputSize, 3}}
	fs, ok := src.(FoldedSource)
	folded := ok && fs.BatchNormFolded()
	ld := newWeightLoader(src, !opts.Float32Weights)
	specs := WeightSpecs()
	for _, c := range Convs() {
		k, haveKernel := ld.kernel(specs[0], folded) // int8 only if not folded here
		bias := ld.float32(specs[1])
		var bn batchNorm
		if !folded {
			bn = batchNorm{ld.float32(specs[2]), ld.float32(specs[3]), ld.float32(specs[4]), ld.float32(specs[5])}
		}
		specs = specs[6:]
		if !haveKernel || bias == nil || !folded && (bn.gamma == nil || bn.beta == nil || bn.mean == nil || bn.variance == nil) {
			continue
		}
		layer := &conv{spec: c, kernel: k, bias: bias} // as stored when folded
		if !folded {
			fk, fb := ops.FoldBatchNorm(k.F32, bias, bn.gamma, bn.beta, bn.mean, bn.variance, ops.KerasResNetBNEpsilon)
			layer.kernel, layer.bias = ops.F32Weights(fk), fb
		}
		m.convs[c.Name] = layer
	}
	k, haveKernel := ld.kernel(specs[0], true)
	if bias := ld.float32(specs[1]); haveKernel && bias != nil {
		m.dense, m.denseBias = k, bias
	}
	m.missing = ld.missing
	if ld.err != nil {
		return nil, fmt.Errorf("resnet50: %w", ld.err)
	}
	m.lastLayer = m.findLastLayer()
	if m.lastLayer == "" {
		return nil, fmt.Errorf("resnet50: the weights lack the first layer (%s)", strings.Join(m.missing, ", "))
	}
	return m, nil
}

// findLastLayer is LastLayer over the layers whose weights this model holds.
func (m *Model) findLastLayer() string {
	return LastLayer(func(layer string) bool {
		if layer == DenseLayer {
			return m.dense.Shape != nil
		}
		return m.convs[layer] != nil
	})
}

// LastLayer is the last output layer this model's weights can compute.
func (m *Model) LastLayer() string { return m.lastLayer }

// Missing lists the Keras names of the weights the source lacked.
func (m *Model) Missing() []string { return append([]string(nil), m.missing...) }

// KernelDType says how the conv and dense kernels are held in memory: "int8" (codes and
// per-output-channel scales, from a QuantizedSource), "float32", or "int8+float32" when the
// source stored some of each.
func (m *Model) KernelDType() string {
	var int8s, floats int
	count := func(w ops.Weights) {
		switch {
		case w.Int8():
			int8s++
		case w.F32 != nil:
			floats++
		}
	}
	for _, c := range m.convs {
		count(c.kernel)
	}
	count(m.dense)
	switch {
	case int8s > 0 && floats > 0:
		return "int8+float32"
	case int8s > 0:
		return "int8"
	}
	return "float32"
}

// KernelBytes is the memory the conv and dense kernels take (codes and scales for int8).
func (m *Model) KernelBytes() int {
	n := m.dense.Bytes()
	for _, c := range m.convs {
		n += c.kernel.Bytes()
	}
	return n
}

// Complete reports whether every ResNet50 weight was present.
func (m *Model) Complete() bool { return len(m.missing) == 0 }

// CheckLayer says whether Run can stop at layer, and if not, why.
func (m *Model) CheckLayer(layer string) error {
	idx := LayerIndex(layer)
	if idx < 0 {
		return fmt.Errorf("resnet50: no output layer %q (valid: conv1_relu, pool1_pool, convS_blockN_out, avg_pool, logits, predictions)", layer)
	}
	if idx > LayerIndex(m.lastLayer) {
		return fmt.Errorf("resnet50: layer %s needs weights this file does not have (it is complete through %s); missing: %s",
			layer, m.lastLayer, strings.Join(m.missing, ", "))
	}
	return nil
}

// Run computes the network on x [N,H,W,3] (caffe-preprocessed BGR) up to and including the
// output layer stopAt, and returns that layer's activation, which the caller owns. observe,
// when not nil, sees every output layer on the way (it must not keep or modify the tensor: its
// buffer is recycled for later layers and later calls, see arena.go). Run is safe for
// concurrent use.
func (m *Model) Run(x *tensor.Tensor, stopAt string, observe func(layer string, t *tensor.Tensor)) (*tensor.Tensor, error) {
	return m.RunFrom(x, "", stopAt, observe)
}

// RunFrom is Run continued from the output of layer from (an OutputLayers name; "" is the
// network's input): x is that layer's activation, as Run returned or observed it, and is left
// unchanged. Run to A then RunFrom A to B gives B bit for bit as one Run to B does, which lets a
// pass start on the layers whose weights are in while the rest still stream (another Model,
// built later from the same source, continues it).
func (m *Model) RunFrom(x *tensor.Tensor, from, stopAt string, observe func(layer string, t *tensor.Tensor)) (*tensor.Tensor, error) {
	if err := m.CheckLayer(stopAt); err != nil {
		return nil, err
	}
	start, stop := 0, LayerIndex(stopAt)
	if from == "" {
		if len(x.Shape) != 4 || x.Shape[3] != 3 || x.Shape[1] < 32 || x.Shape[2] < 32 {
			return nil, fmt.Errorf("resnet50: input must be [N,H,W,3] with H,W ≥ 32, got %v", x.Shape)
		}
	} else {
		i := LayerIndex(from)
		switch {
		case i < 0:
			return nil, fmt.Errorf("resnet50: no output layer %q", from)
		case i >= stop:
			return nil, fmt.Errorf("resnet50: cannot run from %s to %s, which comes first", from, stopAt)
		case x.Shape[len(x.Shape)-1] != OutputChannels(from):
			return nil, fmt.Errorf("resnet50: %s has %d channels, got %v", from, OutputChannels(from), x.Shape)
		}
		start = i + 1
	}
	a := arenas.Get().(*arena)
	defer arenas.Put(a)
	layers := OutputLayers()
	fromArena := false // whether x came from the arena (and may go back to it)
	for i := start; i <= stop; i++ {
		name := layers[i]
		var y *tensor.Tensor
		var err error
		yFromArena := true
		switch name {
		case "conv1_relu": // conv1_pad, conv1_conv, conv1_bn, conv1_relu
			y, err = m.conv1(a, x)
		case "pool1_pool":
			// pool1_pad and pool1_pool: x ≥ 0 after the ReLU, so the pad's zeros never win and
			// the pool can skip them (resnet50test pads, as Keras does).
			y = ops.MaxPool2DZeroPadded(a.get, x, 3, 2, 1)
		case "avg_pool":
			if (x.Shape[1] != 7 || x.Shape[2] != 7) && stop >= LayerIndex(Logits) {
				return nil, fmt.Errorf("resnet50: the classifier needs a %dx%d input, got %dx%d", InputSize, InputSize, x.Shape[1]*32, x.Shape[2]*32)
			}
			y, yFromArena = ops.GlobalAvgPool(x), false
		case Logits:
			y, err = ops.DenseWeights(x, m.dense, m.denseBias)
			yFromArena = false
		case "predictions":
			if y = x; from == Logits { // never the caller's tensor
				y = x.Clone()
			}
			ops.Softmax(y)
			yFromArena = fromArena
		default: // a block's output: the block gives its input back to the arena
			if !fromArena {
				xa := a.get(x.Shape...)
				copy(xa.Data, x.Data)
				x = xa
			}
			block := strings.TrimSuffix(name, "_out")
			y, err = m.block(a, block, x, strings.HasSuffix(block, "_block1"))
			fromArena = false // already given back
		}
		if err != nil {
			return nil, err
		}
		if fromArena && y != x {
			a.put(x)
		}
		x, fromArena = y, yFromArena
		if observe != nil {
			observe(name, x)
		}
	}
	return x, nil
}

// conv1 is conv1_pad (3 on each side) and conv1_conv with its batch norm and ReLU; the pad
// happens inside the patch gather (ops.Conv2DWeightsPadded) instead of copying x.
func (m *Model) conv1(a *arena, x *tensor.Tensor) (*tensor.Tensor, error) {
	c := m.convs["conv1_conv"]
	if c == nil {
		return nil, fmt.Errorf("resnet50: conv1_conv has no weights")
	}
	return ops.Conv2DWeightsPadded(a.get, x, c.kernel, c.bias, c.spec.Stride, 3, 3, 3, 3, nil, true)
}

// block is Keras' block1: a bottleneck with a conv shortcut on the first block of a stage. It
// gives x back to the arena once it has read it (x must be the arena's, not the caller's).
func (m *Model) block(a *arena, name string, x *tensor.Tensor, convShortcut bool) (*tensor.Tensor, error) {
	shortcut := x
	var err error
	if convShortcut {
		if shortcut, err = m.conv(a, name+"_0_conv", x, nil, false); err != nil {
			return nil, err
		}
	}
	y1, err := m.conv(a, name+"_1_conv", x, nil, true)
	if err != nil {
		return nil, err
	}
	if convShortcut {
		a.put(x)
	}
	y2, err := m.conv(a, name+"_2_conv", y1, nil, true)
	if err != nil {
		return nil, err
	}
	a.put(y1)
	out, err := m.conv(a, name+"_3_conv", y2, shortcut, true) // name_add, name_out
	if err != nil {
		return nil, err
	}
	a.put(y2)
	a.put(shortcut) // x itself when !convShortcut
	return out, nil
}

// conv applies one conv layer with its batch norm, then adds residual and applies ReLU; the
// output comes from the arena.
func (m *Model) conv(a *arena, name string, x, residual *tensor.Tensor, relu bool) (*tensor.Tensor, error) {
	c := m.convs[name]
	if c == nil {
		return nil, fmt.Errorf("resnet50: %s has no weights", name)
	}
	pad := ops.Valid
	if c.spec.Kernel == 3 {
		pad = ops.Same
	}
	return ops.Conv2DWeightsTo(a.get, x, c.kernel, c.bias, c.spec.Stride, c.spec.Stride, pad, residual, relu)
}

// Classifier is the predictions layer: its kernel [2048,1000] as float32 (dequantized when the
// model holds it as int8: a copy) and its bias [1000]. An error when the model has none.
func (m *Model) Classifier() (*tensor.Tensor, []float32, error) {
	if len(m.dense.Shape) == 0 {
		return nil, nil, fmt.Errorf("resnet50: this model has no %s layer (it ends at %s)", DenseLayer, m.lastLayer)
	}
	k, err := m.dense.Float32()
	if err != nil {
		return nil, nil, err
	}
	return k, m.denseBias, nil
}
