package head

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// trainedModel is a small trained head with validation metrics, as a file would hold.
func trainedModel(t testing.TB) *Model {
	t.Helper()
	cfg, _ := DefaultConfig("mlp256")
	cfg.Hidden, cfg.Epochs = []int{5}, 2
	res, err := Train(t.Context(), cfg, blobs(3, 10, 1, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Model
}

func TestFileRoundTrip(t *testing.T) {
	m := trainedModel(t)
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip changed the model:\n got %+v\nwant %+v", got, m)
	}
	if off := binary.LittleEndian.Uint32(data[12:]) + prefixBytes; int(off) > len(data) || (len(data)-m.paramBytes())%payloadAlign != 0 {
		t.Errorf("payload does not start on a %d-byte boundary", payloadAlign)
	}
	again, _ := got.Marshal()
	if !bytes.Equal(again, data) {
		t.Error("marshalling the parsed model gives other bytes")
	}
	m.Metrics = nil // trained without validation
	if data, err = m.Marshal(); err != nil {
		t.Fatal(err)
	}
	if got, err = Parse(data); err != nil || got.Metrics != nil {
		t.Errorf("without metrics: %v, %+v", err, got.Metrics)
	}
}

func (m *Model) paramBytes() int {
	n := 0
	for _, d := range m.Layers {
		n += 4 * (len(d.Kernel) + len(d.Bias))
	}
	return n
}

// rewriteHeader replaces the JSON header of a valid file and fixes the length and padding.
func rewriteHeader(t *testing.T, data []byte, edit func(string) string) []byte {
	t.Helper()
	n := int(binary.LittleEndian.Uint32(data[12:]))
	header := edit(string(data[prefixBytes : prefixBytes+n]))
	payload := data[payloadOffset(n):]
	out := append([]byte(nil), data[:12]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(header)))
	out = append(out, header...)
	out = append(out, make([]byte, payloadOffset(len(header))-len(out))...)
	return append(out, payload...)
}

func TestFileRejectsDamage(t *testing.T) {
	m := trainedModel(t)
	good, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint32(good[12:]))
	flip := func(i int) []byte { d := bytes.Clone(good); d[i] ^= 0x40; return d }
	replace := func(old, new string) []byte {
		return rewriteHeader(t, good, func(h string) string {
			if !strings.Contains(h, old) {
				t.Fatalf("header has no %q: %s", old, h)
			}
			return strings.Replace(h, old, new, 1)
		})
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a Graft head file"},
		{"magic", flip(0), "not a Graft head file"},
		{"version", flip(8), "version"},
		{"header length", flip(14), "header length"},
		{"truncated", good[:len(good)-1], "truncated"},
		{"appended", append(bytes.Clone(good), 0), "appended"},
		{"payload bit", flip(len(good) - 3), "SHA-256"},
		{"header JSON", flip(prefixBytes), "header"},
		{"padding", func() []byte { d := bytes.Clone(good); d[payloadOffset(n)-1] = 1; return d }(), "padding"},
		{"unknown field", replace(`"classes":`, `"colour":1,"classes":`), "unknown field"},
		{"trailing JSON", rewriteHeader(t, good, func(h string) string { return h + "{}" }), "after the JSON"},
		{"duplicate class", replace(`"b"`, `"a"`), "twice"},
		{"layer chain", replace(`"in":5`, `"in":6`), "inputs"},
		{"output units", replace(`"output":"softmax"`, `"output":"sigmoid"`), "two classes"},
		{"activation", replace(`"activation":"relu"`, `"activation":"tanh"`), "activation"},
		{"base layer", replace(`"layer":"pool1_pool"`, `"layer":"conv5_block3_out"`), "features"},
		{"unknown layer", replace(`"layer":"pool1_pool"`, `"layer":"fc7"`), "not a ResNet50"},
		{"training mismatch", replace(`"hidden":[5]`, `"hidden":[6]`), "disagree"},
		{"training settings", replace(`"batch_size":32`, `"batch_size":0`), "batch size"},
		{"payload size", replace(`"bytes":`, `"bytes":1`), "payload"},
		{"metrics", replace(`"best_epoch":`, `"best_epoch":9`), "best epoch"},
		{"preprocessing", replace(`"mode":"caffe"`, `"mode":"torch"`), "preprocessing"},
		{"huge layer", replace(`"out":5,"activation":"relu"`, `"out":8000000,"activation":"relu"`), "units"},
	} {
		got, err := Parse(c.data)
		if err == nil || got != nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	if _, err := Parse(flip(8)); !errors.Is(err, ErrVersion) {
		t.Errorf("version error %v does not wrap ErrVersion", err)
	}
}

func TestCheckBase(t *testing.T) {
	m := trainedModel(t)
	if err := m.CheckBase("test-model", "pool1_pool"); err != nil {
		t.Errorf("same base refused: %v", err)
	}
	for _, c := range [][2]string{{"other-model", "pool1_pool"}, {"test-model", "conv1_relu"}} {
		if err := m.CheckBase(c[0], c[1]); err == nil || !strings.Contains(err.Error(), "trained on") {
			t.Errorf("base %v accepted or unclear: %v", c, err)
		}
	}
}
