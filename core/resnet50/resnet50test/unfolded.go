// Package resnet50test is ResNet50 as Keras lays it out (keras/src/applications/resnet.py), for
// tests only: every conv is followed by its own BatchNormalization op (ops.BatchNorm on the
// stored γ, β, μ, σ²), pool1 pads before its max pool, and every op returns a fresh tensor. It
// walks core/resnet50/arch.go's table by itself, apart from resnet50.Model, which folds each
// batch norm into its conv and fuses pads, adds and ReLUs into the conv kernels: the tests of
// core/resnet50 and weights/convert hold the fast folded model to this one. Only _test.go files
// import it.
package resnet50test

import (
	"fmt"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// Options choose the ops the unfolded network runs with.
type Options struct {
	// Reference uses the slow, obvious conv and dense (ops.Conv2DWeightsRef, ops.DenseWeightsRef)
	// instead of the fast ones (ops.Conv2DWeights, ops.DenseWeights).
	Reference bool
}

// conv is one Conv2D layer and the BatchNormalization after it, as stored.
type conv struct {
	spec                        resnet50.ConvSpec
	kernel                      ops.Weights // [KH,KW,Cin,Cout], float32 or int8 as the source stores it
	bias                        []float32   // [Cout]
	gamma, beta, mean, variance []float32   // [Cout] each
}

// Model is the unfolded ResNet50 with the weights it was given, up to the last output layer they
// complete (resnet50.LastLayer).
type Model struct {
	opts      Options
	convs     map[string]*conv
	dense     ops.Weights // [2048, 1000]; no Shape when missing
	denseBias []float32   // [1000]
	lastLayer string
}

// New reads ResNet50's weights from src. Kernels that src stores as int8 (a
// resnet50.QuantizedSource) stay int8: no batch norm is folded into them here. A source whose
// batch norms are already folded (resnet50.FoldedSource) has nothing to unfold and is refused.
func New(src resnet50.WeightSource, opts Options) (*Model, error) {
	if fs, ok := src.(resnet50.FoldedSource); ok && fs.BatchNormFolded() {
		return nil, fmt.Errorf("resnet50test: these weights have their batch norms folded; they cannot run unfolded")
	}
	ld := loader{src: src}
	m := &Model{opts: opts, convs: map[string]*conv{}}
	specs := resnet50.WeightSpecs() // per conv: kernel, bias, gamma, beta, moving_mean, moving_variance; then the dense kernel and bias
	for _, c := range resnet50.Convs() {
		k, ok := ld.kernel(specs[0])
		l := &conv{spec: c, kernel: k, bias: ld.float32(specs[1]),
			gamma: ld.float32(specs[2]), beta: ld.float32(specs[3]), mean: ld.float32(specs[4]), variance: ld.float32(specs[5])}
		specs = specs[6:]
		if ok && l.bias != nil && l.gamma != nil && l.beta != nil && l.mean != nil && l.variance != nil {
			m.convs[c.Name] = l
		}
	}
	if k, ok := ld.kernel(specs[0]); ok {
		if bias := ld.float32(specs[1]); bias != nil {
			m.dense, m.denseBias = k, bias
		}
	}
	if ld.err != nil {
		return nil, fmt.Errorf("resnet50test: %w", ld.err)
	}
	m.lastLayer = resnet50.LastLayer(func(layer string) bool {
		if layer == resnet50.DenseLayer {
			return m.dense.Shape != nil
		}
		return m.convs[layer] != nil
	})
	if m.lastLayer == "" {
		return nil, fmt.Errorf("resnet50test: the weights lack the first layer (conv1_conv)")
	}
	return m, nil
}

// LastLayer is the last output layer this model's weights can compute.
func (m *Model) LastLayer() string { return m.lastLayer }

// KernelDType says how the conv and dense kernels are held: "int8", "float32", or
// "int8+float32" (resnet50.Model.KernelDType's words).
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

// Run computes the network on x [N,H,W,3] (caffe-preprocessed BGR) up to and including the
// output layer stopAt (resnet50.OutputLayers) and returns its activation; observe, when not nil,
// sees every output layer on the way. Every tensor is new, so observe may keep them.
func (m *Model) Run(x *tensor.Tensor, stopAt string, observe func(layer string, t *tensor.Tensor)) (*tensor.Tensor, error) {
	stop := resnet50.LayerIndex(stopAt)
	if stop < 0 || stop > resnet50.LayerIndex(m.lastLayer) {
		return nil, fmt.Errorf("resnet50test: cannot stop at %q (this model ends at %s)", stopAt, m.lastLayer)
	}
	if len(x.Shape) != 4 || x.Shape[3] != 3 || x.Shape[1] < 32 || x.Shape[2] < 32 {
		return nil, fmt.Errorf("resnet50test: input must be [N,H,W,3] with H,W ≥ 32, got %v", x.Shape)
	}
	step := 0
	emit := func(name string, t *tensor.Tensor) bool {
		if observe != nil {
			observe(name, t)
		}
		step++
		return step > stop
	}
	x, err := m.conv("conv1_conv", ops.ZeroPad2D(x, 3, 3, 3, 3), nil, true) // conv1_pad, conv1_conv, conv1_bn, conv1_relu
	if err != nil {
		return nil, err
	}
	if emit("conv1_relu", x) {
		return x, nil
	}
	x = ops.MaxPool2D(ops.ZeroPad2D(x, 1, 1, 1, 1), 3, 2, ops.Valid) // pool1_pad, pool1_pool
	if emit("pool1_pool", x) {
		return x, nil
	}
	for _, s := range resnet50.Stages {
		for b := 1; b <= s.Blocks; b++ {
			name := fmt.Sprintf("%s_block%d", s.Name, b)
			if x, err = m.block(name, x, b == 1); err != nil {
				return nil, err
			}
			if emit(name+"_out", x) {
				return x, nil
			}
		}
	}
	x = ops.GlobalAvgPool(x)
	if emit("avg_pool", x) {
		return x, nil
	}
	dense := ops.DenseWeights
	if m.opts.Reference {
		dense = ops.DenseWeightsRef
	}
	if x, err = dense(x, m.dense, m.denseBias); err != nil {
		return nil, err
	}
	if emit(resnet50.Logits, x) {
		return x, nil
	}
	ops.Softmax(x)
	emit("predictions", x)
	return x, nil
}

// block is Keras' block1: a bottleneck with a conv shortcut on the first block of a stage.
func (m *Model) block(name string, x *tensor.Tensor, convShortcut bool) (*tensor.Tensor, error) {
	shortcut := x
	var err error
	if convShortcut {
		if shortcut, err = m.conv(name+"_0_conv", x, nil, false); err != nil {
			return nil, err
		}
	}
	y, err := m.conv(name+"_1_conv", x, nil, true)
	if err != nil {
		return nil, err
	}
	if y, err = m.conv(name+"_2_conv", y, nil, true); err != nil {
		return nil, err
	}
	return m.conv(name+"_3_conv", y, shortcut, true) // name_3_bn, name_add, name_out
}

// conv is one Conv2D, then its BatchNormalization, then + residual (when not nil), then ReLU
// (when relu): four separate ops.
func (m *Model) conv(name string, x, residual *tensor.Tensor, relu bool) (*tensor.Tensor, error) {
	c := m.convs[name]
	if c == nil {
		return nil, fmt.Errorf("resnet50test: %s has no weights", name)
	}
	pad := ops.Valid
	if c.spec.Kernel == 3 {
		pad = ops.Same
	}
	convFn := ops.Conv2DWeights
	if m.opts.Reference {
		convFn = ops.Conv2DWeightsRef
	}
	y, err := convFn(x, c.kernel, c.bias, c.spec.Stride, c.spec.Stride, pad, nil, false)
	if err != nil {
		return nil, err
	}
	y = ops.BatchNorm(y, c.gamma, c.beta, c.mean, c.variance, ops.KerasResNetBNEpsilon)
	if residual != nil {
		if y, err = ops.Add(y, residual); err != nil {
			return nil, err
		}
	}
	if relu {
		ops.ReLU(y)
	}
	return y, nil
}
