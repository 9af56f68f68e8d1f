// classify.go: classifying a photo with a trained model, as `graft classify --head` and the
// page's active head both do it. A conservative head reads the global average pool of its base
// layer; a fine-tuned model (app/headfile/FORMAT.md §Trunk) reads the output of its first
// block's input layer and runs its fine-tuned blocks on it first (finetune.StackOf), which
// computes what the base model with those layers in place would.
package app

import (
	"fmt"

	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/tensor"
)

// Classifier runs one trained model.
type Classifier struct {
	Model *head.Model
	stack finetune.Stack // the fine-tuned blocks; nil for a conservative head
}

// Prediction is a model's answer for one photo: Probs[c] is the probability of Model.Classes[c].
type Prediction struct {
	Best  int
	Probs []float32
}

// NewClassifier prepares m (its fine-tuned blocks, if any, are built once here).
func NewClassifier(m *head.Model) (*Classifier, error) {
	c := &Classifier{Model: m}
	if m.Trunk != nil {
		s, err := finetune.StackOf(m)
		if err != nil {
			return nil, err
		}
		c.stack = s
	}
	return c, nil
}

// InputLayer is the ResNet50 layer whose output Predict reads: the head's base layer, or for a
// fine-tuned model the input of its first block.
func (c *Classifier) InputLayer() string {
	if c.stack != nil {
		return c.stack.InputLayer()
	}
	return c.Model.Base.Layer
}

// Predict classifies one photo from x [1,H,W,C], the output of layer (InputLayer) for the photo
// prepared with the head's resize mode.
func (c *Classifier) Predict(layer string, x *tensor.Tensor) (*Prediction, error) {
	if layer != c.InputLayer() {
		return nil, fmt.Errorf("app: the model reads %s, not %s", c.InputLayer(), layer)
	}
	if len(x.Shape) != 4 || x.Shape[0] != 1 {
		return nil, fmt.Errorf("app: activations of shape %v: want one photo [1,H,W,C]", x.Shape)
	}
	var f *tensor.Tensor // [1,F]
	if c.stack != nil {
		var err error
		if f, err = c.stack.Pooled(x); err != nil {
			return nil, err
		}
	} else {
		f = ops.GlobalAvgPool(x)
	}
	probs, err := c.Model.Probabilities(f.Data, 1)
	if err != nil {
		return nil, err
	}
	best, err := c.Model.Predict(f.Data, 1)
	if err != nil {
		return nil, err
	}
	return &Prediction{Best: best[0], Probs: probs}, nil
}
