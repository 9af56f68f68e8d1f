package headfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/graftml/graft/core/head"
)

func TestFileRoundTrip(t *testing.T) {
	m := trainedModel(t)
	data, err := Marshal(m)
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
	if off := binary.LittleEndian.Uint32(data[12:]) + prefixBytes; int(off) > len(data) || (len(data)-paramBytes(m))%payloadAlign != 0 {
		t.Errorf("payload does not start on a %d-byte boundary", payloadAlign)
	}
	again, _ := Marshal(got)
	if !bytes.Equal(again, data) {
		t.Error("marshalling the parsed model gives other bytes")
	}
	m.Metrics = nil // trained without validation
	if data, err = Marshal(m); err != nil {
		t.Fatal(err)
	}
	if got, err = Parse(data); err != nil || got.Metrics != nil {
		t.Errorf("without metrics: %v, %+v", err, got.Metrics)
	}
}

func paramBytes(m *head.Model) int {
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
	good, err := Marshal(m)
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
