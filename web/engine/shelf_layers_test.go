// The shelf accepts heads of the settings' other feature layers of its model (Shelf.LastLayer).
package engine

import "testing"

// TestShelfOtherLayers: with the model's last layer known, a head reading another pooled layer
// of the same model (the settings' feature layer) is this page's; a layer without pooled
// features, one beyond the model, or another model is not; without it only the default layer is.
func TestShelfOtherLayers(t *testing.T) {
	s := NewShelf(nil, "m1", "conv4_block6_out")
	if err := s.compatible("m1", "conv5_block3_out"); err == nil {
		t.Error("without LastLayer a head of conv5_block3_out is accepted")
	}
	s.LastLayer = "conv5_block3_out"
	for _, tc := range []struct {
		model, layer string
		ok           bool
	}{
		{"m1", "conv4_block6_out", true},
		{"m1", "conv5_block3_out", true},
		{"m1", "conv3_block4_out", true},
		{"m1", "conv5_block3_2_conv", false},
		{"m1", "predictions", false},
		{"m2", "conv4_block6_out", false},
	} {
		if err := s.compatible(tc.model, tc.layer); (err == nil) != tc.ok {
			t.Errorf("compatible(%s, %s) = %v, want ok %v", tc.model, tc.layer, err, tc.ok)
		}
	}
}
