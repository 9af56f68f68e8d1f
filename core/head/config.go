// config.go: the training settings, the head presets and their defaults (Keras'
// defaults where Keras has one: Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999,
// epsilon=1e-7), batch_size=32; EarlyStopping(monitor="val_loss", restore_best_weights=True)).
package head

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Config is everything that decides a training run besides the data. A head file stores it.
type Config struct {
	Head         string  `json:"head"`          // preset the layers came from (Presets), or "custom"
	Hidden       []int   `json:"hidden"`        // units of each hidden layer (ReLU, then dropout)
	Dropout      float64 `json:"dropout"`       // dropout rate after each hidden layer, in [0, 1)
	Output       Output  `json:"output"`        // Softmax, or Sigmoid (two classes)
	LearningRate float64 `json:"learning_rate"` // Adam's lr
	Beta1        float64 `json:"beta1"`         // Adam's β1
	Beta2        float64 `json:"beta2"`         // Adam's β2
	Epsilon      float64 `json:"epsilon"`       // Adam's ε
	BatchSize    int     `json:"batch_size"`    // rows per step; the last batch of an epoch may be smaller
	Epochs       int     `json:"epochs"`        // at most this many passes over the training rows
	Seed         uint64  `json:"seed"`          // initialisation, split, shuffling and dropout (rng.go)
	ValSplit     float64 `json:"val_split"`     // fraction of each class held out for validation, in [0, 0.9]
	Patience     int     `json:"patience"`      // stop after this many epochs without a lower val loss; 0: never stop early
	Flip         bool    `json:"flip"`          // also train on every extra view (the horizontal flips)
}

// Preset is a named head shape.
type Preset struct {
	Name    string
	Hidden  []int
	Dropout float64
	About   string
}

// Presets are the head shapes a user picks from, in the order a menu lists them.
var Presets = []Preset{
	{"linear", nil, 0, "one dense layer: logistic regression on the features"},
	{"mlp256", []int{256}, 0.5, "one hidden layer of 256 with ReLU and dropout 0.5"},
	{"keras", []int{1024, 1024, 1024, 512}, 0, "the Keras tutorial's 1024-1024-1024-512 ReLU stack"},
}

// DefaultPreset is the head used unless another is asked for.
const DefaultPreset = "mlp256"

// PresetNames lists the presets' names.
func PresetNames() []string {
	var names []string
	for _, p := range Presets {
		names = append(names, p.Name)
	}
	return names
}

// DefaultConfig returns the default settings with the layers of preset name. The defaults a
// user sees are app/settings.DefaultSettings (the page links it without core/);
// app/config_test.go holds these numbers equal to those.
func DefaultConfig(name string) (Config, error) {
	i := slices.IndexFunc(Presets, func(p Preset) bool { return p.Name == name })
	if i < 0 {
		return Config{}, fmt.Errorf("head: no preset %q (have %s)", name, strings.Join(PresetNames(), ", "))
	}
	p := Presets[i]
	return Config{
		Head: p.Name, Hidden: slices.Clone(p.Hidden), Dropout: p.Dropout, Output: Softmax,
		LearningRate: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7,
		BatchSize: 32, Epochs: 20, Seed: 1, ValSplit: 0.2, Patience: 5,
	}, nil
}

// Validate checks the settings (not the data; Train checks that).
func (c *Config) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case len(c.Hidden)+1 > MaxLayers:
		return fmt.Errorf("head: %d hidden layers, at most %d", len(c.Hidden), MaxLayers-1)
	case slices.ContainsFunc(c.Hidden, func(u int) bool { return u < 1 || u > MaxUnits }):
		return fmt.Errorf("head: hidden layer sizes %v: each must be in 1…%d", c.Hidden, MaxUnits)
	case !finite(c.Dropout) || c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("head: dropout %g: want 0 ≤ rate < 1", c.Dropout)
	case c.Output != Softmax && c.Output != Sigmoid:
		return fmt.Errorf("head: output %q: want %q or %q", c.Output, Softmax, Sigmoid)
	case !finite(c.LearningRate) || c.LearningRate <= 0:
		return fmt.Errorf("head: learning rate %g: want > 0", c.LearningRate)
	case !finite(c.Beta1) || c.Beta1 < 0 || c.Beta1 >= 1 || !finite(c.Beta2) || c.Beta2 < 0 || c.Beta2 >= 1:
		return fmt.Errorf("head: Adam β1 %g, β2 %g: each must be in [0, 1)", c.Beta1, c.Beta2)
	case !finite(c.Epsilon) || c.Epsilon <= 0:
		return fmt.Errorf("head: Adam ε %g: want > 0", c.Epsilon)
	case c.BatchSize < 1 || c.BatchSize > MaxBatch:
		return fmt.Errorf("head: batch size %d: want 1…%d", c.BatchSize, MaxBatch)
	case c.Epochs < 1 || c.Epochs > MaxEpochs:
		return fmt.Errorf("head: epochs %d: want 1…%d", c.Epochs, MaxEpochs)
	case !finite(c.ValSplit) || c.ValSplit < 0 || c.ValSplit > MaxValSplit:
		return fmt.Errorf("head: validation split %g: want 0 ≤ split ≤ %g", c.ValSplit, MaxValSplit)
	case c.Patience < 0 || c.Patience > MaxEpochs:
		return fmt.Errorf("head: patience %d: want 0…%d (0: no early stopping)", c.Patience, MaxEpochs)
	case c.Head == "" || len(c.Head) > MaxNameBytes:
		return fmt.Errorf("head: preset name %q: empty or too long", c.Head)
	}
	return nil
}
