// Package reference builds Keras' ResNet50 a second, independent way — as a GoMLX graph run by
// the pure-Go simplego backend — so that core/resnet50 can be checked layer by layer against it.
//
// Nothing here shares numerics with core/: the convolutions, pooling, batch norms (kept
// unfolded: (x−μ)·γ/√(σ²+ε)+β as graph ops), adds and the dense layer are GoMLX's own ops.
// Only the weights (a resnet50.WeightSource) and the layer names are shared. The architecture
// is restated here from the Keras source (keras/src/applications/resnet.py, ResNet50 =
// stack1 ×{3,4,6,3} of block1) rather than read from core/resnet50's table.
package reference

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // the pure-Go backend
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best dot-imported
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/graftml/graft/core/resnet50"
)

// bnEpsilon is Keras ResNet50's BatchNormalization epsilon.
const bnEpsilon = 1.001e-5

// Run evaluates ResNet50 on x (row-major [N,H,W,3], caffe-preprocessed) with GoMLX and returns
// the activations of the requested output layers (Keras names, plus resnet50.Logits), each
// row-major with its shape.
func Run(src resnet50.WeightSource, x []float32, shape []int, layers []string) (map[string]Activation, error) {
	backend, err := backends.New()
	if err != nil {
		return nil, fmt.Errorf("reference: GoMLX backend: %w", err)
	}
	defer backend.Finalize()
	want := map[string]bool{}
	for _, l := range layers {
		want[l] = true
	}
	var names []string // output order, filled while building
	var buildErr error
	exec, err := NewExec(backend, func(input *Node) []*Node {
		b := &builder{src: src, want: want}
		outs := b.resnet50(input)
		names, buildErr = b.names, b.err
		return outs
	})
	if err != nil {
		return nil, err
	}
	results, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, shape...))
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	if buildErr != nil {
		return nil, buildErr
	}
	out := map[string]Activation{}
	for i, t := range results {
		data, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, err
		}
		out[names[i]] = Activation{Shape: t.Shape().Dimensions, Data: data}
	}
	for _, l := range layers {
		if _, ok := out[l]; !ok {
			return nil, fmt.Errorf("reference: layer %q was not produced", l)
		}
	}
	return out, nil
}

// Activation is one layer's output: row-major data and its shape.
type Activation struct {
	Shape []int
	Data  []float32
}

// builder adds ResNet50's ops to a GoMLX graph, collecting the requested outputs.
type builder struct {
	src   resnet50.WeightSource
	want  map[string]bool
	outs  []*Node
	names []string
	err   error // the first weight that could not be read; the graph is cut there
}

func (b *builder) emit(name string, x *Node) {
	if b.want[name] {
		b.outs = append(b.outs, x)
		b.names = append(b.names, name)
	}
}

// weight returns a weight as a graph constant of its Keras shape.
func (b *builder) weight(g *Graph, layer, short string) *Node {
	shape, data, err := b.src.Weight(layer, short)
	if err != nil {
		if b.err == nil {
			b.err = fmt.Errorf("reference: %s/%s:0: %w", layer, short, err)
		}
		return nil
	}
	return ConstTensor(g, tensors.FromFlatDataAndDimensions(data, shape...))
}

// convBN is Conv2D(name_conv, with bias) followed by BatchNormalization(name_bn) in inference mode.
func (b *builder) convBN(x *Node, prefix string, stride int, same bool) *Node {
	g := x.Graph()
	kernel := b.weight(g, prefix+"_conv", "kernel")
	bias := b.weight(g, prefix+"_conv", "bias")
	gamma := b.weight(g, prefix+"_bn", "gamma")
	beta := b.weight(g, prefix+"_bn", "beta")
	mean := b.weight(g, prefix+"_bn", "moving_mean")
	variance := b.weight(g, prefix+"_bn", "moving_variance")
	if b.err != nil {
		return nil
	}
	conv := Convolve(x, kernel).Strides(stride)
	if same { // Keras 'same' for a 3x3 stride-1 conv: one pixel on every side
		k := kernel.Shape().Dimensions[0]
		conv = conv.PaddingPerDim([][2]int{{(k - 1) / 2, k / 2}, {(k - 1) / 2, k / 2}})
	} else {
		conv = conv.NoPadding()
	}
	y := Add(conv.Done(), perChannel(bias))
	scale := Mul(perChannel(gamma), Rsqrt(AddScalar(perChannel(variance), bnEpsilon)))
	return Add(Mul(Sub(y, perChannel(mean)), scale), perChannel(beta))
}

// perChannel reshapes a [C] vector to [1,1,1,C] for broadcasting over NHWC.
func perChannel(v *Node) *Node { return Reshape(v, 1, 1, 1, v.Shape().Dimensions[0]) }

func relu(x *Node) *Node { return Max(x, ZerosLike(x)) }

// zeroPad is Keras' ZeroPadding2D(p) on NHWC, built from concatenations with zeros (simplego
// has no Pad op).
func zeroPad(x *Node, p int) *Node {
	d := x.Shape().Dimensions // [N,H,W,C]
	zeros := func(dims ...int) *Node { return Zeros(x.Graph(), shapes.Make(dtypes.Float32, dims...)) }
	x = Concatenate([]*Node{zeros(d[0], p, d[2], d[3]), x, zeros(d[0], p, d[2], d[3])}, 1)
	h := d[1] + 2*p
	return Concatenate([]*Node{zeros(d[0], h, p, d[3]), x, zeros(d[0], h, p, d[3])}, 2)
}

// block1 is Keras' bottleneck block.
func (b *builder) block1(x *Node, name string, stride int, convShortcut bool) *Node {
	shortcut := x
	if convShortcut {
		shortcut = b.convBN(x, name+"_0", stride, false)
	}
	y := relu(b.convBN(x, name+"_1", stride, false))
	if b.err != nil {
		return nil
	}
	y = relu(b.convBN(y, name+"_2", 1, true))
	if b.err != nil {
		return nil
	}
	y = b.convBN(y, name+"_3", 1, false)
	if b.err != nil {
		return nil
	}
	return relu(Add(shortcut, y))
}

// resnet50 builds the graph up to the last requested layer and returns the requested outputs.
func (b *builder) resnet50(input *Node) []*Node {
	remaining := func() bool { return len(b.outs) < len(b.want) && b.err == nil }
	x := relu(b.convBN(zeroPad(input, 3), "conv1", 2, false))
	if b.err != nil {
		return b.result(input)
	}
	b.emit("conv1_relu", x)
	x = MaxPool(zeroPad(x, 1)).Window(3).Strides(2).NoPadding().Done()
	b.emit("pool1_pool", x)
	stacks := []struct {
		name            string
		blocks, stride1 int
	}{{"conv2", 3, 1}, {"conv3", 4, 2}, {"conv4", 6, 2}, {"conv5", 3, 2}}
	for _, s := range stacks {
		for i := 1; i <= s.blocks && remaining(); i++ {
			name := fmt.Sprintf("%s_block%d", s.name, i)
			stride := 1
			if i == 1 {
				stride = s.stride1
			}
			x = b.block1(x, name, stride, i == 1)
			if b.err != nil {
				return b.result(input)
			}
			b.emit(name+"_out", x)
		}
	}
	if !remaining() {
		return b.result(input)
	}
	x = ReduceMean(x, 1, 2)
	b.emit("avg_pool", x)
	if !remaining() {
		return b.result(input)
	}
	kernel := b.weight(x.Graph(), "predictions", "kernel")
	bias := b.weight(x.Graph(), "predictions", "bias")
	if b.err != nil {
		return b.result(input)
	}
	logits := Add(MatMul(x, kernel), Reshape(bias, 1, bias.Shape().Dimensions[0]))
	b.emit(resnet50.Logits, logits)
	b.emit("predictions", Softmax(logits, -1))
	return b.result(input)
}

// result returns the collected outputs; a graph must return at least one node.
func (b *builder) result(input *Node) []*Node {
	if len(b.outs) == 0 {
		return []*Node{input}
	}
	return b.outs
}
