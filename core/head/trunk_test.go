// trunk_test.go: a model's fine-tuned trunk (app/headfile/FORMAT.md §Trunk): its checks against
// the base layer, the conv overrides it gives the network, and the feature model id it keys by.
package head

import (
	"strings"
	"testing"

	"github.com/graftml/graft/core/resnet50"
)

// trunkModel is a linear head on conv2_block2_out (256 features, the smallest block) with that
// block's three convs fine-tuned (70 k weights, so the fuzz corpus stays small).
func trunkModel(t testing.TB) *Model {
	t.Helper()
	cfg, _ := DefaultConfig("linear")
	r := newRNG(3, 4)
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(r.float64() - 0.5)
		}
		return s
	}
	m := &Model{Net: Net{Output: Softmax, Layers: []Dense{{In: 256, Out: 3, Kernel: fill(256 * 3), Bias: fill(3)}}},
		Classes: []string{"a", "b", "c"}, Base: Base{ModelID: "test-model", Layer: "conv2_block2_out", Features: 256, Resize: "crop"},
		Training: cfg}
	m.Training.Hidden = []int{}
	blocks, err := resnet50.TopBlocks("conv2_block2_out", 1)
	if err != nil {
		t.Fatal(err)
	}
	m.Trunk = &Trunk{Strategy: StrategyDynamic, Blocks: []string{"conv2_block2"}, FineTuneLR: 1e-5, FineTuneEpochs: 4, HeadEpochs: 7, BestEpoch: 2}
	for _, c := range blocks[0].Convs() {
		shape := []int{c.Kernel, c.Kernel, c.Cin, c.Cout}
		m.Trunk.Layers = append(m.Trunk.Layers, TrunkLayer{Name: c.Name, Shape: shape, Kernel: fill(c.Kernel * c.Kernel * c.Cin * c.Cout), Bias: fill(c.Cout)})
	}
	return m
}

func TestTrunkModel(t *testing.T) {
	m := trunkModel(t)
	n, err := m.Trunk.Check(m.Base)
	if err != nil {
		t.Fatal(err)
	}
	if want := 256*64 + 64 + 9*64*64 + 64 + 64*256 + 256; n != want {
		t.Errorf("Check counts %d trunk weights, want %d", n, want)
	}
	ov, err := m.Trunk.Overrides()
	if err != nil || len(ov) != 3 || ov["conv2_block2_2_conv"].Kernel.Shape[0] != 3 {
		t.Fatalf("overrides %v, %v", len(ov), err)
	}
	id := m.FeatureModelID()
	if id == m.Base.ModelID || !strings.HasPrefix(id, m.Base.ModelID+"+trunk.") {
		t.Fatalf("feature model id %q", id)
	}
	m.Trunk.Layers[0].Kernel[0] += 1
	if m.FeatureModelID() == id {
		t.Fatal("the feature model id ignores the trunk's weights")
	}
	if !strings.HasPrefix(m.Describe(), "dynamic") {
		t.Fatalf("Describe: %q", m.Describe())
	}
	other := *m.Trunk
	other.Blocks = []string{"conv2_block1"}
	if _, err := other.Check(m.Base); err == nil {
		t.Error("a trunk of another block passed Check")
	}
	other = *m.Trunk
	other.BestEpoch = other.FineTuneEpochs + 1
	if _, err := other.Check(m.Base); err == nil {
		t.Error("a best epoch past the fine-tuning epochs passed Check")
	}
}
