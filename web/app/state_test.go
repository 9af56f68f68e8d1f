package main

import (
	"strings"
	"testing"

	"github.com/graftml/graft/web/wire"
)

func TestStateApply(t *testing.T) {
	s := NewState()
	s.Apply(wire.Envelope{Kind: wire.KindStatus, Status: &wire.Status{Phase: wire.PhaseDownloading, LayersDone: 3, LayersTotal: 54}}, 10)
	p := s.NewPhoto("cat.png", "blob:x", 100)
	if got := PhotoStatus(p, s.Model); !strings.Contains(got, "Running the layers that are in as they arrive (3 of 54") {
		t.Errorf("photo status during the download: %q", got)
	}
	// An answer for another photo is ignored.
	s.Apply(wire.Envelope{Kind: wire.KindResult, Result: &wire.Result{ID: p.ID + 7}}, 150)
	if p.State != PhotoWorking || s.Results != 0 {
		t.Fatalf("a result for another photo changed this one: %+v", p)
	}
	s.Apply(wire.Envelope{Kind: wire.KindStatus, Status: &wire.Status{Phase: wire.PhaseReady}}, 200)
	if got := PhotoStatus(p, s.Model); got != "Classifying…" {
		t.Errorf("photo status once ready: %q", got)
	}
	res := &wire.Result{ID: p.ID, Top5: make([]wire.Prediction, 5), ModelMs: 180, PreprocessMs: 4, DecodeMs: 9}
	s.Apply(wire.Envelope{Kind: wire.KindResult, Result: res}, 350)
	if p.State != PhotoDone || p.Result != res || p.TotalMs != 250 || s.Results != 1 {
		t.Errorf("after the result: %+v", p)
	}
	if got := ResultLine(p); !strings.Contains(got, "0.25 s in total") || !strings.Contains(got, "ResNet50 0.18 s") {
		t.Errorf("result line %q", got)
	}
	if got := ResultLine(p); strings.Contains(got, "streamed") {
		t.Errorf("a pass on a loaded model says it streamed: %q", got)
	}
	res.StreamedLayers = 40
	if got := ResultLine(p); !strings.Contains(got, "started while the weights streamed: 40 of its layers ran before the last chunk arrived") {
		t.Errorf("result line of a pass started while streaming: %q", got)
	}
	res.StreamedLayers = 0
	// A second photo fails: the banner says why, the photo says it failed.
	p2 := s.NewPhoto("notes.txt", "blob:y", 400)
	s.Apply(wire.Envelope{Kind: wire.KindFailed, Failed: &wire.Failed{ID: p2.ID, Message: "“notes.txt” is a text file, not an image."}}, 420)
	if p2.State != PhotoFailed || !strings.Contains(s.Error, "notes.txt") {
		t.Errorf("after the failure: photo %+v, banner %q", p2, s.Error)
	}
	s.NewPhoto("next.jpg", "blob:z", 500)
	if s.Error != "" {
		t.Errorf("a new photo kept the old banner %q", s.Error)
	}
	s.Apply(wire.Envelope{Kind: wire.KindStatus, Status: &wire.Status{Phase: wire.PhaseError, Error: "model chunk x: HTTP 404"}}, 600)
	if !strings.Contains(s.Error, "HTTP 404") {
		t.Errorf("a load error did not reach the banner: %q", s.Error)
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Percent(1), "100%"}, {Percent(0.99951), "100%"}, {Percent(0.5), "50%"}, {Percent(0.0816), "8.2%"},
		{Percent(0.0004), "<0.1%"}, {Percent(0), "<0.1%"},
		{Seconds(12.4), "12 ms"}, {Seconds(1653), "1.65 s"}, {MB(25723392), "25.7 MB"},
		{EngineName("wasm-simd128"), "SIMD128 (WebAssembly)"}, {EngineName("wasm-scalar"), "scalar (WebAssembly without SIMD)"},
		{SizeLine(&wire.Result{Width: 4096, Height: 3072, Original: "8064×6048"}), "4096×3072 pixels (downscaled by the browser from 8064×6048)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	ready := wire.Status{Phase: wire.PhaseReady, FromCache: 25, LoadMs: 700}
	if got := ModelHeadline(ready); !strings.Contains(got, "from this browser’s cache") || !strings.Contains(got, "nothing downloaded") {
		t.Errorf("warm headline %q", got)
	}
	if got := CacheLine(wire.Status{Cached: true}); got != "cached — works offline" {
		t.Errorf("cache line %q", got)
	}
	if got := SyntheticLine(wire.Status{Synthetic: true, SyntheticOf: "the classifier"}); !strings.HasPrefix(got, "Demo model: the classifier") ||
		!strings.Contains(got, "not real ImageNet predictions") {
		t.Errorf("synthetic line %q", got)
	}
	if got := SyntheticLine(wire.Status{Synthetic: true, SyntheticOf: "stage 5", HeadLayer: "conv4_block6_out"}); !strings.Contains(got, "Heads you train read conv4_block6_out, the last layer with real weights") {
		t.Errorf("synthetic line does not say which layer heads read: %q", got)
	}
	if got := SyntheticLine(wire.Status{HeadLayer: "conv5_block3_out"}); got != "" {
		t.Errorf("the full model gets a synthetic line %q", got)
	}
	if BarMax(0) != nil || BarValue(3, 0) != nil || BarMax(5) != int64(5) || BarValue(7, 5) != int64(5) {
		t.Error("progress attributes")
	}
}
