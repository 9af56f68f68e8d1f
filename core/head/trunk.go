// trunk.go: the part of a model file that goes below the head — the base-model conv layers a
// "dynamic" run (core/finetune) fine-tuned, which replace the base model's own when
// the model runs (app/headfile/FORMAT.md version 2, "trunk"). A head without it is a conservative head on
// the frozen trunk (version 1).
package head

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// StrategyDynamic names the only strategy a trunk section records.
const StrategyDynamic = "dynamic"

// MaxTrunkParams bounds the float32 weights of a trunk section: all of stage 5 is 14.96 M.
const MaxTrunkParams = 1 << 25

// Trunk is a fine-tuned top of the base model.
type Trunk struct {
	Strategy       string       `json:"strategy"`         // StrategyDynamic
	Blocks         []string     `json:"blocks"`           // the unfrozen blocks, first to last, ending at Base.Layer's block
	FineTuneLR     float64      `json:"fine_tune_lr"`     // Adam's learning rate in the fine-tuning phase
	FineTuneEpochs int          `json:"fine_tune_epochs"` // most epochs of that phase
	HeadEpochs     int          `json:"head_epochs"`      // epochs the conservative phase ran
	BestEpoch      int          `json:"best_epoch"`       // the fine-tuning epoch whose weights these are, 1 … fine_tune_epochs
	Layers         []TrunkLayer `json:"layers"`           // every conv of Blocks, in network order
}

// TrunkLayer is one overridden conv layer's folded weights.
type TrunkLayer struct {
	Name   string    `json:"name"`   // Keras name, "conv4_block6_1_conv"
	Shape  []int     `json:"kernel"` // [K,K,Cin,Cout]
	Kernel []float32 `json:"-"`      // [K,K,Cin,Cout], batch norm folded in
	Bias   []float32 `json:"-"`      // [Cout]
}

// Overrides is the trunk as resnet50.Model.WithConvs takes it.
func (t *Trunk) Overrides() (map[string]resnet50.ConvF32, error) {
	out := map[string]resnet50.ConvF32{}
	for _, l := range t.Layers {
		k, err := tensor.FromData(l.Kernel, l.Shape...)
		if err != nil {
			return nil, fmt.Errorf("trunk layer %s: %w", l.Name, err)
		}
		out[l.Name] = resnet50.ConvF32{Kernel: k, Bias: l.Bias}
	}
	return out, nil
}

// Check validates the section against the head's base layer and returns its weight count,
// computed from the ResNet50 shapes (not from the slices, which a reader has not filled yet).
func (t *Trunk) Check(base Base) (int, error) {
	if t.Strategy != StrategyDynamic {
		return 0, fmt.Errorf("trunk strategy %q: want %q", t.Strategy, StrategyDynamic)
	}
	infos, err := resnet50.TopBlocks(base.Layer, len(t.Blocks))
	if err != nil {
		return 0, fmt.Errorf("trunk blocks %v: %w", t.Blocks, err)
	}
	var want []resnet50.ConvSpec
	for i, b := range infos {
		if t.Blocks[i] != b.Name {
			return 0, fmt.Errorf("trunk blocks %v: the %d blocks ending at %s are not these", t.Blocks, len(t.Blocks), base.Layer)
		}
		want = append(want, b.Convs()...)
	}
	switch {
	case math.IsNaN(t.FineTuneLR) || math.IsInf(t.FineTuneLR, 0) || t.FineTuneLR <= 0 || t.FineTuneLR > 1:
		return 0, fmt.Errorf("trunk fine_tune_lr %g: want (0, 1]", t.FineTuneLR)
	case t.FineTuneEpochs < 1 || t.FineTuneEpochs > MaxEpochs || t.BestEpoch < 1 || t.BestEpoch > t.FineTuneEpochs:
		return 0, fmt.Errorf("trunk best epoch %d of %d fine-tuning epochs", t.BestEpoch, t.FineTuneEpochs)
	case t.HeadEpochs < 1 || t.HeadEpochs > MaxEpochs:
		return 0, fmt.Errorf("trunk head_epochs %d: want 1…%d", t.HeadEpochs, MaxEpochs)
	case len(t.Layers) != len(want):
		return 0, fmt.Errorf("trunk has %d layers; blocks %v have %d convs", len(t.Layers), t.Blocks, len(want))
	}
	n := 0
	for i, l := range t.Layers {
		s := want[i]
		if l.Name != s.Name || !slices.Equal(l.Shape, []int{s.Kernel, s.Kernel, s.Cin, s.Cout}) {
			return 0, fmt.Errorf("trunk layer %d is %s %v; want %s [%d %d %d %d]", i, l.Name, l.Shape, s.Name, s.Kernel, s.Kernel, s.Cin, s.Cout)
		}
		n += s.Kernel*s.Kernel*s.Cin*s.Cout + s.Cout
	}
	if n > MaxTrunkParams {
		return 0, fmt.Errorf("trunk of %d weights, over the limit of %d", n, MaxTrunkParams)
	}
	return n, nil
}

// Describe says in words which strategy made the model (a page and graft train print it).
func (m *Model) Describe() string {
	if m.Trunk == nil {
		return "conservative: new head on the frozen trunk"
	}
	return fmt.Sprintf("dynamic: head and %d fine-tuned block(s) %v (fine-tuning lr %g, epoch %d of %d)",
		len(m.Trunk.Blocks), m.Trunk.Blocks, m.Trunk.FineTuneLR, m.Trunk.BestEpoch, m.Trunk.FineTuneEpochs)
}

// FeatureModelID names the network whose features the head reads, for feature caches: the base
// model's id, and for a fine-tuned model that id with the SHA-256 of the trunk's weights, since
// its features differ from the base model's.
func (m *Model) FeatureModelID() string {
	if m.Trunk == nil {
		return m.Base.ModelID
	}
	h := sha256.New()
	for _, l := range m.Trunk.Layers {
		h.Write([]byte(l.Name))
		for _, w := range [][]float32{l.Kernel, l.Bias} {
			for _, v := range w {
				h.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
			}
		}
	}
	return m.Base.ModelID + "+trunk." + hex.EncodeToString(h.Sum(nil))[:16]
}
