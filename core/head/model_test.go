// model_test.go: a head refuses features of another base model or layer (Model.CheckBase).
package head

import (
	"strings"
	"testing"
)

func TestCheckBase(t *testing.T) {
	res, err := Train(t.Context(), smallConfig(), blobs(3, 10, 1, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	if err := m.CheckBase("test-model", "pool1_pool"); err != nil {
		t.Errorf("same base refused: %v", err)
	}
	for _, c := range [][2]string{{"other-model", "pool1_pool"}, {"test-model", "conv1_relu"}} {
		if err := m.CheckBase(c[0], c[1]); err == nil || !strings.Contains(err.Error(), "trained on") {
			t.Errorf("base %v accepted or unclear: %v", c, err)
		}
	}
}

// smallConfig is mlp256 with 5 hidden units and 2 epochs: a head trained in milliseconds.
func smallConfig() Config {
	cfg, _ := DefaultConfig("mlp256")
	cfg.Hidden, cfg.Epochs = []int{5}, 2
	return cfg
}
