package app

import (
	"testing"

	"github.com/graftml/graft/core/resnet50"
)

// TestBaseLayer: stage 5 only when it is real; a synthetic or truncated model reads stage 4.
func TestBaseLayer(t *testing.T) {
	for _, tc := range []struct {
		last      string
		synthetic bool
		want      string
	}{
		{"conv5_block3_out", false, HeadLayerFull},
		{resnet50.DenseLayer, false, HeadLayerFull},
		{"conv5_block3_out", true, HeadLayerTruncated},
		{"conv5_block2_out", false, HeadLayerTruncated},
		{"conv4_block6_out", false, HeadLayerTruncated},
		{"conv4_block6_out", true, HeadLayerTruncated},
	} {
		if got := BaseLayer(tc.last, tc.synthetic); got != tc.want {
			t.Errorf("BaseLayer(%q, synthetic %v) = %q, want %q", tc.last, tc.synthetic, got, tc.want)
		}
	}
	if resnet50.OutputChannels(HeadLayerFull) != 2048 || resnet50.OutputChannels(HeadLayerTruncated) != 1024 {
		t.Errorf("channels %d, %d", resnet50.OutputChannels(HeadLayerFull), resnet50.OutputChannels(HeadLayerTruncated))
	}
}
