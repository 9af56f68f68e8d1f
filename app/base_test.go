package app

import (
	"strings"
	"testing"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights/format"
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

// TestHeadBaseAt: a chosen layer within the model is read; one beyond it, or without pooled
// features, is refused; "" is BaseLayer's.
func TestHeadBaseAt(t *testing.T) {
	m := &format.Manifest{Model: format.ModelInfo{ID: "m1", LastLayer: "conv5_block3_out", Synthetic: &format.SyntheticInfo{}}}
	for _, tc := range []struct{ layer, want, err string }{
		{"", HeadLayerTruncated, ""},
		{"conv5_block3_out", "conv5_block3_out", ""},
		{"conv3_block4_out", "conv3_block4_out", ""},
		{"conv5_block3_2_conv", "", "no pooled features"},
		{"predictions", "", "beyond"},
	} {
		b, err := HeadBaseAt(m, "crop", tc.layer)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("HeadBaseAt(%q) = %+v, %v; want an error saying %q", tc.layer, b, err, tc.err)
		case tc.err == "" && (err != nil || b.Layer != tc.want || b.Features != resnet50.OutputChannels(tc.want) || b.ModelID != "m1"):
			t.Errorf("HeadBaseAt(%q) = %+v, %v; want layer %s", tc.layer, b, err, tc.want)
		}
	}
}
