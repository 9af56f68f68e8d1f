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

// Prediction is a model's answer for one photo: Probs[c] is the probability of Model.Classes[c]
// (temperature-scaled when the model is calibrated), and, when the model has an open set,
// whether the photo is none of its classes.
type Prediction struct {
	Best  int
	Probs []float32
	// The open set's verdict (core/head/openset.go); all zero when the model has none.
	Checked   bool    // the model has an open set
	Unknown   bool    // Score is beyond Threshold: "not one of" the classes
	Score     float64 // squared Mahalanobis distance to the nearest class mean, over F
	Threshold float64 // the score that 95% of the held-out photos stay at or below
	Nearest   int     // the class whose mean is nearest
}

// PredictFeatures is m's answer for one photo's features f [F] (what m reads: the base
// layer's pooled output, or its fine-tuned blocks' for a model with a trunk).
func PredictFeatures(m *head.Model, f []float32) (*Prediction, error) {
	probs, err := m.Probabilities(f, 1)
	if err != nil {
		return nil, err
	}
	best, err := m.Predict(f, 1)
	if err != nil {
		return nil, err
	}
	p := &Prediction{Best: best[0], Probs: probs}
	if o := m.OpenSet; o != nil {
		p.Checked, p.Threshold = true, float64(o.Threshold)
		p.Score, p.Nearest = o.Score(f)
		p.Unknown = o.Unknown(p.Score)
	}
	return p, nil
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
	return PredictFeatures(c.Model, f.Data)
}
