package wire

import (
	"math"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, e := range []Envelope{
		{Kind: KindStatus, Status: &Status{Phase: PhaseDownloading, BytesDone: 3 << 20, BytesTotal: 25 << 20, LayersDone: 7, LayersTotal: 54}},
		{Kind: KindResult, Result: &Result{ID: 3, Top5: []Prediction{{Index: 281, Synset: "n02123045", Name: "tabby", Prob: 0.25}},
			Features: []float32{0.1, 1e-30, 3.4e38}}},
		{Kind: KindFailed, Failed: &Failed{ID: 4, Message: "“x.heic” is a HEIC photo"}},
		{Kind: KindClassify, Classify: &Classify{ID: 5, Resize: "nearest", Name: "a.png", Type: "image/png", Bytes: 1234}},
	} {
		got, err := Decode(Encode(e))
		if err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		if Encode(got) != Encode(e) {
			t.Errorf("%s: round trip changed %s into %s", e.Kind, Encode(e), Encode(got))
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, text := range []string{
		``, `not json`, `{"kind":"result"}`, `{"kind":"status","result":{"id":1}}`, `{"kind":"nope","status":{}}`,
	} {
		if _, err := Decode(text); err == nil {
			t.Errorf("Decode(%q) accepted it", text)
		}
	}
}

func TestEncodeNaN(t *testing.T) {
	got := Encode(Envelope{Kind: KindResult, Result: &Result{Features: []float32{float32(math.NaN())}}})
	e, err := Decode(got)
	if err != nil || e.Kind != KindStatus || !strings.Contains(e.Status.Error, "encoding") {
		t.Errorf("a NaN result encoded as %s (%v); want an error status", got, err)
	}
}
