// Tests of LastLayer, the one rule for "which output layer can these weights compute" that the
// model, the weights format and the page share.
package resnet50

import "testing"

func TestLastLayer(t *testing.T) {
	all := func(string) bool { return true }
	without := func(missing ...string) func(string) bool {
		return func(name string) bool {
			for _, m := range missing {
				if name == m {
					return false
				}
			}
			return true
		}
	}
	for _, tc := range []struct {
		name string
		has  func(string) bool
		want string
	}{
		{"everything", all, DenseLayer},
		{"no classifier", without(DenseLayer), "avg_pool"},
		{"no conv1", without("conv1_conv"), ""},
		{"no stage 2 shortcut", without("conv2_block1_0_conv"), "pool1_pool"},
		{"conv5 block 1 missing its 3x3", without("conv5_block1_2_conv"), "conv4_block6_out"},
		{"conv5 block 3 missing", without("conv5_block3_3_conv"), "conv5_block2_out"},
		{"only a later block missing, classifier present", without("conv3_block2_1_conv"), "conv3_block1_out"},
		{"block 2 has no shortcut conv to miss", without("conv3_block2_0_conv"), DenseLayer},
	} {
		if got := LastLayer(tc.has); got != tc.want {
			t.Errorf("%s: LastLayer = %q, want %q", tc.name, got, tc.want)
		}
		if got := LastLayer(tc.has); got != "" && LayerIndex(got) < 0 {
			t.Errorf("%s: %q is not an output layer", tc.name, got)
		}
	}
}
