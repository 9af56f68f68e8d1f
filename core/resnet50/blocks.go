// blocks.go: ResNet50's bottleneck blocks as units that can be read out and replaced — what
// fine-tuning the trunk (core/finetune) needs: the names of the blocks that end at an
// output layer, each block's conv layers with their folded float32 weights, and a model whose
// named convs use other (trained) weights while sharing the rest. The block structure is arch.go's
// (keras/src/applications/resnet.py block1).
package resnet50

import (
	"fmt"
	"maps"
	"strings"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/tensor"
)

// BlockInfo names one bottleneck block and its place in the network.
type BlockInfo struct {
	Name   string // "conv4_block6"
	Stage  Stage
	Index  int    // 1-based within the stage
	Input  string // the output layer feeding it: "conv4_block5_out", "conv3_block4_out", or "pool1_pool"
	Output string // "conv4_block6_out"
}

// Convs lists the block's conv layers in the order they run: _0_conv (the shortcut, first
// block of a stage only), _1_conv, _2_conv, _3_conv.
func (b BlockInfo) Convs() []ConvSpec {
	var out []ConvSpec
	for _, c := range Convs() {
		if strings.HasPrefix(c.Name, b.Name+"_") {
			out = append(out, c)
		}
	}
	return out
}

// ConvShortcut reports whether the block has the _0_conv shortcut (the first block of a stage).
func (b BlockInfo) ConvShortcut() bool { return b.Index == 1 }

// Stride is the stride of the block's first 1x1 convs (_0 and _1).
func (b BlockInfo) Stride() int {
	if b.Index == 1 {
		return b.Stage.Stride
	}
	return 1
}

// TopBlocks returns the n blocks that end at output layer layer ("conv4_block6_out"), first to
// last. They must lie within layer's stage: n is 1 … the block's index there.
func TopBlocks(layer string, n int) ([]BlockInfo, error) {
	stage, index := -1, 0
	for si, s := range Stages {
		for b := 1; b <= s.Blocks; b++ {
			if blockName(s.Name, b)+"_out" == layer {
				stage, index = si, b
			}
		}
	}
	if stage < 0 {
		return nil, fmt.Errorf("resnet50: %q is not a block output (convS_blockN_out)", layer)
	}
	if n < 1 || n > index {
		return nil, fmt.Errorf("resnet50: %d blocks end at %s: want 1…%d (the blocks of stage %s up to it)", n, layer, index, Stages[stage].Name)
	}
	var out []BlockInfo
	for b := index - n + 1; b <= index; b++ {
		s := Stages[stage]
		in := "pool1_pool"
		switch {
		case b > 1:
			in = blockName(s.Name, b-1) + "_out"
		case stage > 0:
			p := Stages[stage-1]
			in = blockName(p.Name, p.Blocks) + "_out"
		}
		out = append(out, BlockInfo{Name: blockName(s.Name, b), Stage: s, Index: b, Input: in, Output: blockName(s.Name, b) + "_out"})
	}
	return out, nil
}

// ConvF32 is one conv layer's folded weights as float32.
type ConvF32 struct {
	Kernel *tensor.Tensor // [KH,KW,Cin,Cout], batch norm folded in
	Bias   []float32      // [Cout]
}

// ConvWeights returns conv layer name's folded kernel (dequantized when held as int8: the
// values the forward pass multiplies by) and bias, as new slices the caller may change.
func (m *Model) ConvWeights(name string) (ConvF32, error) {
	c := m.convs[name]
	if c == nil {
		return ConvF32{}, fmt.Errorf("resnet50: %s has no weights in this model", name)
	}
	k, err := c.kernel.Float32()
	if err != nil {
		return ConvF32{}, fmt.Errorf("resnet50: %s: %w", name, err)
	}
	kc := tensor.New(k.Shape...)
	copy(kc.Data, k.Data)
	return ConvF32{Kernel: kc, Bias: append([]float32(nil), c.bias...)}, nil
}

// WithConvs returns a model that computes with the given float32 weights in place of the named
// conv layers and shares every other weight with m (m is not changed). Each kernel must have
// its layer's shape [K,K,Cin,Cout] and bias [Cout].
func (m *Model) WithConvs(over map[string]ConvF32) (*Model, error) {
	specs := map[string]ConvSpec{}
	for _, c := range Convs() {
		specs[c.Name] = c
	}
	out := *m
	out.convs = maps.Clone(m.convs)
	for name, w := range over {
		s, ok := specs[name]
		switch {
		case !ok:
			return nil, fmt.Errorf("resnet50: no conv layer %q", name)
		case m.convs[name] == nil:
			return nil, fmt.Errorf("resnet50: %s is past the end of this model (%s)", name, m.lastLayer)
		case w.Kernel == nil || !tensor.SameShape(w.Kernel.Shape, []int{s.Kernel, s.Kernel, s.Cin, s.Cout}):
			return nil, fmt.Errorf("resnet50: %s: kernel %v, want [%d %d %d %d]", name, shapeOf(w.Kernel), s.Kernel, s.Kernel, s.Cin, s.Cout)
		case len(w.Bias) != s.Cout:
			return nil, fmt.Errorf("resnet50: %s: bias of %d, want %d", name, len(w.Bias), s.Cout)
		}
		out.convs[name] = &conv{spec: s, kernel: ops.F32Weights(w.Kernel), bias: w.Bias}
	}
	return &out, nil
}

func shapeOf(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}

// OutputSide is the height and width of output layer name's activation for a 224×224 input:
// conv1_relu 112, pool1_pool and conv2 56, conv3 28, conv4 14, conv5 7 (each stage after the
// first halves it); 0 for a layer without a spatial output.
func OutputSide(name string) int {
	switch name {
	case "conv1_relu":
		return InputSize / 2
	case "pool1_pool":
		return InputSize / 4
	}
	side := InputSize / 4
	for _, s := range Stages {
		side /= s.Stride
		for b := 1; b <= s.Blocks; b++ {
			if blockName(s.Name, b)+"_out" == name {
				return side
			}
		}
	}
	return 0
}
