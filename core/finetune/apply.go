// apply.go: running a fine-tuned model (a head file with a trunk section, head.Trunk): its
// blocks rebuilt from the file, applied either to a block input the base model's pass observed
// (one pass gives the ImageNet top-5 and the tuned head's features) or through
// resnet50.Model.WithConvs.
package finetune

import (
	"fmt"

	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// StackOf rebuilds the fine-tuned blocks of m (whose Trunk must be set; Parse has checked it).
func StackOf(m *head.Model) (Stack, error) {
	if m.Trunk == nil {
		return nil, fmt.Errorf("finetune: the head has no fine-tuned trunk")
	}
	infos, err := resnet50.TopBlocks(m.Base.Layer, len(m.Trunk.Blocks))
	if err != nil {
		return nil, err
	}
	layers := map[string]head.TrunkLayer{}
	for _, l := range m.Trunk.Layers {
		layers[l.Name] = l
	}
	return buildStack(infos, func(spec resnet50.ConvSpec) (*tensor.Tensor, []float32, error) {
		l, ok := layers[spec.Name]
		if !ok {
			return nil, nil, fmt.Errorf("finetune: the trunk lacks %s", spec.Name)
		}
		k, err := tensor.FromData(l.Kernel, l.Shape...)
		return k, l.Bias, err
	})
}

// InputLayer is the output layer that feeds the stack's first block ("conv4_block5_out").
func (s Stack) InputLayer() string { return s[0].Info.Input }

// Pooled runs the stack on x [N,H,W,C] (activations of InputLayer) and returns the pooled
// features [N,F] of its last block, which a head reads.
func (s Stack) Pooled(x *tensor.Tensor) (*tensor.Tensor, error) {
	y, _, err := s.Forward(x)
	if err != nil {
		return nil, err
	}
	return ops.GlobalAvgPool(y), nil
}
