// block.go: a ResNet50 bottleneck block (keras/src/applications/resnet.py block1; arch.go) as a
// trainable unit: its folded conv weights in float32, a forward pass that keeps what the
// backward pass needs, and the backward pass itself (core/ops Conv2DBackward, ReLUBackward).
//
// Batch norm stays in inference mode with its frozen statistics, as Keras recommends for
// fine-tuning: BN(conv(x, w) + b) with fixed μ, σ², γ, β is exactly conv(x, w') + b' with
// w' = w·s, b' = (b − μ)·s + β, s = γ/√(σ² + ε) — the folded weights the model already holds.
// So the block trains w' and b' (RATIONALE.md "Fine-tuning trains the folded weights").
//
//	shortcut = x, or conv0(x) (first block of a stage, 1x1/stride)
//	a1 = relu(conv1(x))    1x1/stride
//	a2 = relu(conv2(a1))   3x3 same
//	out = relu(conv3(a2) + shortcut)
package finetune

import (
	"fmt"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// Conv is one trainable conv layer.
type Conv struct {
	Spec   resnet50.ConvSpec
	Kernel *tensor.Tensor // [K,K,Cin,Cout], batch norm folded in
	Bias   []float32      // [Cout]
}

func (c *Conv) pad() ops.Padding {
	if c.Spec.Kernel == 3 {
		return ops.Same
	}
	return ops.Valid
}

// Block is one bottleneck block's weights. Shortcut is nil for an identity shortcut.
type Block struct {
	Info                       resnet50.BlockInfo
	Shortcut, Conv1, Conv2, C3 *Conv
}

// LoadBlocks copies the folded weights of blocks from the model.
func LoadBlocks(m *resnet50.Model, blocks []resnet50.BlockInfo) (Stack, error) {
	return buildStack(blocks, func(spec resnet50.ConvSpec) (*tensor.Tensor, []float32, error) {
		w, err := m.ConvWeights(spec.Name)
		return w.Kernel, w.Bias, err
	})
}

// buildStack assembles blocks from each conv's weights as weights gives them.
func buildStack(blocks []resnet50.BlockInfo, weights func(resnet50.ConvSpec) (*tensor.Tensor, []float32, error)) (Stack, error) {
	var out Stack
	for _, info := range blocks {
		b := &Block{Info: info}
		for _, spec := range info.Convs() {
			k, bias, err := weights(spec)
			if err != nil {
				return nil, err
			}
			c := &Conv{Spec: spec, Kernel: k, Bias: bias}
			switch spec.Name[len(info.Name)+1:] {
			case "0_conv":
				b.Shortcut = c
			case "1_conv":
				b.Conv1 = c
			case "2_conv":
				b.Conv2 = c
			case "3_conv":
				b.C3 = c
			}
		}
		if b.Conv1 == nil || b.Conv2 == nil || b.C3 == nil || info.ConvShortcut() != (b.Shortcut != nil) {
			return nil, fmt.Errorf("finetune: block %s is incomplete", info.Name)
		}
		out = append(out, b)
	}
	return out, nil
}

// Convs lists the block's conv layers (the shortcut first when it has one).
func (b *Block) Convs() []*Conv {
	if b.Shortcut != nil {
		return []*Conv{b.Shortcut, b.Conv1, b.Conv2, b.C3}
	}
	return []*Conv{b.Conv1, b.Conv2, b.C3}
}

// Clone deep-copies the weights (early stopping keeps the best epoch's this way).
func (b *Block) Clone() *Block {
	cp := func(c *Conv) *Conv {
		if c == nil {
			return nil
		}
		k := tensor.New(c.Kernel.Shape...)
		copy(k.Data, c.Kernel.Data)
		return &Conv{Spec: c.Spec, Kernel: k, Bias: append([]float32(nil), c.Bias...)}
	}
	return &Block{Info: b.Info, Shortcut: cp(b.Shortcut), Conv1: cp(b.Conv1), Conv2: cp(b.Conv2), C3: cp(b.C3)}
}

// Params lists every trainable slice (kernels and biases), in a fixed order.
func (b *Block) Params() [][]float32 {
	var p [][]float32
	for _, c := range b.Convs() {
		p = append(p, c.Kernel.Data, c.Bias)
	}
	return p
}

// blockTape is what one forward pass keeps for the backward pass.
type blockTape struct {
	x, a1, a2, out *tensor.Tensor // x [N,H,W,Cin]; a1, a2 [N,OH,OW,F]; out [N,OH,OW,4F]
}

// Forward runs the block on x [N,H,W,Cin] and returns out [N,OH,OW,4F] and its tape.
func (b *Block) Forward(x *tensor.Tensor) (*tensor.Tensor, *blockTape, error) {
	t := &blockTape{x: x}
	shortcut := x
	var err error
	if b.Shortcut != nil {
		if shortcut, err = conv(b.Shortcut, x, nil, false); err != nil {
			return nil, nil, err
		}
	}
	if t.a1, err = conv(b.Conv1, x, nil, true); err != nil {
		return nil, nil, err
	}
	if t.a2, err = conv(b.Conv2, t.a1, nil, true); err != nil {
		return nil, nil, err
	}
	if t.out, err = conv(b.C3, t.a2, shortcut, true); err != nil {
		return nil, nil, err
	}
	return t.out, t, nil
}

func conv(c *Conv, x, residual *tensor.Tensor, relu bool) (*tensor.Tensor, error) {
	return ops.Conv2D(x, c.Kernel, c.Bias, c.Spec.Stride, c.Spec.Stride, c.pad(), residual, relu)
}

// Grads holds ∂L/∂ of every parameter of a block, in Params' order.
type Grads [][]float32

// Backward takes dOut = ∂L/∂out [N,OH,OW,4F] (changed in place) and returns the parameter
// gradients and, when needDx, ∂L/∂x.
func (b *Block) Backward(t *blockTape, dOut *tensor.Tensor, needDx bool) (Grads, *tensor.Tensor, error) {
	if err := ops.ReLUBackward(dOut, t.out); err != nil { // dOut is now ∂L/∂(conv3 + shortcut)
		return nil, nil, err
	}
	var g Grads
	var dxShort *tensor.Tensor
	if b.Shortcut != nil {
		dx0, dw0, db0, err := ops.Conv2DBackward(t.x, b.Shortcut.Kernel, dOut, b.Shortcut.Spec.Stride, b.Shortcut.Spec.Stride, b.Shortcut.pad(), needDx)
		if err != nil {
			return nil, nil, err
		}
		g, dxShort = append(g, dw0.Data, db0), dx0
	} else if needDx {
		dxShort = dOut
	}
	da2, dw3, db3, err := ops.Conv2DBackward(t.a2, b.C3.Kernel, dOut, 1, 1, b.C3.pad(), true)
	if err != nil {
		return nil, nil, err
	}
	if err := ops.ReLUBackward(da2, t.a2); err != nil {
		return nil, nil, err
	}
	da1, dw2, db2, err := ops.Conv2DBackward(t.a1, b.Conv2.Kernel, da2, 1, 1, b.Conv2.pad(), true)
	if err != nil {
		return nil, nil, err
	}
	if err := ops.ReLUBackward(da1, t.a1); err != nil {
		return nil, nil, err
	}
	dx, dw1, db1, err := ops.Conv2DBackward(t.x, b.Conv1.Kernel, da1, b.Conv1.Spec.Stride, b.Conv1.Spec.Stride, b.Conv1.pad(), needDx)
	if err != nil {
		return nil, nil, err
	}
	g = append(g, dw1.Data, db1, dw2.Data, db2, dw3.Data, db3)
	if needDx {
		for i, v := range dxShort.Data {
			dx.Data[i] += v
		}
	}
	return g, dx, nil
}

// Stack is the unfrozen blocks in order: the top of the trunk that fine-tuning trains.
type Stack []*Block

// Forward runs every block; the tapes are for Backward.
func (s Stack) Forward(x *tensor.Tensor) (*tensor.Tensor, []*blockTape, error) {
	tapes := make([]*blockTape, len(s))
	var err error
	for i, b := range s {
		if x, tapes[i], err = b.Forward(x); err != nil {
			return nil, nil, err
		}
	}
	return x, tapes, nil
}

// Backward returns the gradients of every block, block by block, from dOut = ∂L/∂(last out).
func (s Stack) Backward(tapes []*blockTape, dOut *tensor.Tensor) ([]Grads, error) {
	grads := make([]Grads, len(s))
	d := dOut
	for i := len(s) - 1; i >= 0; i-- {
		g, dx, err := s[i].Backward(tapes[i], d, i > 0)
		if err != nil {
			return nil, err
		}
		grads[i], d = g, dx
	}
	return grads, nil
}

// Params lists every block's parameters, in Backward's gradient order.
func (s Stack) Params() [][]float32 {
	var p [][]float32
	for _, b := range s {
		p = append(p, b.Params()...)
	}
	return p
}

// Clone deep-copies every block.
func (s Stack) Clone() Stack {
	out := make(Stack, len(s))
	for i, b := range s {
		out[i] = b.Clone()
	}
	return out
}

// Overrides is the stack's weights by conv layer name, for resnet50.Model.WithConvs.
func (s Stack) Overrides() map[string]resnet50.ConvF32 {
	out := map[string]resnet50.ConvF32{}
	for _, b := range s {
		for _, c := range b.Convs() {
			out[c.Spec.Name] = resnet50.ConvF32{Kernel: c.Kernel, Bias: c.Bias}
		}
	}
	return out
}
