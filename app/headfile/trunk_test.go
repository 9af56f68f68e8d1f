// trunk_test.go: head files with a trunk section (FORMAT.md version 2): round trip, version 1
// kept for conservative heads, and refusal of a trunk that does not fit the head's base layer.
package headfile

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
)

func TestTrunkFileRoundTrip(t *testing.T) {
	m := trunkModel(t)
	data, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != FileVersionTrunk {
		t.Fatalf("a model with a trunk is written as version %d", v)
	}
	got, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Training.Hidden == nil {
		got.Training.Hidden = []int{}
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip changed the model")
	}
	again, _ := Marshal(got)
	if !bytes.Equal(again, data) {
		t.Fatal("re-marshalled file differs")
	}
	ov, err := got.Trunk.Overrides()
	if err != nil || len(ov) != 3 || ov["conv2_block2_2_conv"].Kernel.Shape[0] != 3 {
		t.Fatalf("overrides %v, %v", len(ov), err)
	}
	if got.FeatureModelID() == m.Base.ModelID || !strings.HasPrefix(got.FeatureModelID(), m.Base.ModelID+"+trunk.") {
		t.Fatalf("feature model id %q", got.FeatureModelID())
	}
	m.Trunk.Layers[0].Kernel[0] += 1
	if m.FeatureModelID() == got.FeatureModelID() {
		t.Fatal("the feature model id ignores the trunk's weights")
	}
	if !strings.HasPrefix(got.Describe(), "dynamic") {
		t.Fatalf("Describe: %q", got.Describe())
	}
	// A conservative head is still a version 1 file.
	cons, _ := Marshal(trainedModel(t))
	if v := binary.LittleEndian.Uint32(cons[8:]); v != FileVersion1 {
		t.Fatalf("a conservative head is written as version %d", v)
	}
}

func TestTrunkFileRejects(t *testing.T) {
	good, err := Marshal(trunkModel(t))
	if err != nil {
		t.Fatal(err)
	}
	v1 := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(v1[8:], FileVersion1)
	if _, err := Parse(v1); err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("version 1 with a trunk: %v", err)
	}
	cons, _ := Marshal(trainedModel(t))
	binary.LittleEndian.PutUint32(cons[8:], FileVersionTrunk)
	if _, err := Parse(cons); err == nil || !strings.Contains(err.Error(), "trunk") {
		t.Errorf("version 2 without a trunk: %v", err)
	}
	for name, edit := range map[string]func(string) string{
		"other block": func(h string) string {
			return strings.Replace(h, `"blocks":["conv2_block2"]`, `"blocks":["conv2_block1"]`, 1)
		},
		"layer renamed": func(h string) string { return strings.Replace(h, `"conv2_block2_1_conv"`, `"conv2_block2_0_conv"`, 1) },
		"kernel shape":  func(h string) string { return strings.Replace(h, `"kernel":[1,1,256,64]`, `"kernel":[1,1,64,256]`, 1) },
		"best epoch":    func(h string) string { return strings.Replace(h, `"best_epoch":2`, `"best_epoch":5`, 1) },
		"strategy":      func(h string) string { return strings.Replace(h, `"strategy":"dynamic"`, `"strategy":"frozen"`, 1) },
		"lr":            func(h string) string { return strings.Replace(h, `"fine_tune_lr":0.00001`, `"fine_tune_lr":0`, 1) },
	} {
		bad := rewriteHeader(t, good, edit)
		if bytes.Equal(bad, good) {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Parse(good[:len(good)-4]); err == nil {
		t.Error("truncated trunk payload accepted")
	}
	m := trunkModel(t)
	m.Trunk.Layers[2].Bias = m.Trunk.Layers[2].Bias[:5]
	if _, err := Marshal(m); err == nil {
		t.Error("Marshal wrote a trunk layer of the wrong size")
	}
}
