package wire

import (
	"math"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, e := range []Envelope{
		{Kind: KindStatus, Status: &Status{Phase: PhaseDownloading, BytesDone: 3 << 20, BytesTotal: 25 << 20, LayersDone: 7, LayersTotal: 54}},
		{Kind: KindResult, Result: &Result{ID: 3, Top5: []Prediction{{Index: 281, Synset: "n02123045", Name: "tabby", Prob: 0.25},
			{Prob: 0.1}, {Prob: 1e-30}, {Prob: 3.4e38}}}}, // float32 extremes survive the JSON round trip
		{Kind: KindFailed, Failed: &Failed{ID: 4, Message: "“x.heic” is a HEIC photo"}},
		{Kind: KindClassify, Classify: &Classify{ID: 5, Resize: "nearest", Name: "a.png", Type: "image/png", Bytes: 1234}},
		{Kind: KindList, List: &List{ID: 1, Paths: []string{"cats/a.jpg"}, Dirs: []string{"cats"}}},
		{Kind: KindListing, Listing: &Listing{ID: 1, Final: true, Classes: []ClassCount{{"cats", 1}}, Entries: []Entry{{Path: "cats/a.jpg", Hash: "ab"}},
			Skipped: []Skip{{"x.txt", "not inside a class folder"}}}},
		{Kind: KindTrain, Train: &Train{Run: 2, Listing: 1, Settings: DefaultSettings(), Failed: []Skip{{"a", "undecodable"}}}},
		{Kind: KindMissing, Missing: &Missing{Run: 2, Entries: []int{0, 3}, InputBytes: 4096}},
		{Kind: KindRun, Run: &Run{Run: 2, Settings: DefaultSettings()}},
		{Kind: KindExtract, Extract: &Extract{ID: 9, Run: 2, Path: "cats/a.jpg", Hash: "ab", Type: "image/jpeg", Bytes: 1234}},
		{Kind: KindExtracted, Extracted: &Extracted{ID: 9, Run: 2, Computed: 2, ModelMs: 250}},
		{Kind: KindEpoch, Epoch: &Epoch{Run: 2, Epoch: 1, Epochs: 20, Loss: 0.7}},
		{Kind: KindTrained, Trained: &Trained{Run: 2, Classes: []string{"a", "b"}, Validation: &Metrics{Confusion: [][]int{{1, 0}, {0, 1}}}}},
		{Kind: KindTrainFailed, TrainFailed: &TrainFailed{Run: 2, Cancelled: true}},
		{Kind: KindCancel, Cancel: &Cancel{Run: 2}},
		{Kind: KindHeads, Heads: &Heads{Heads: []HeadInfo{{ID: 1, Name: "pets"}}, Active: 1}},
		{Kind: KindHeadOp, HeadOp: &HeadOp{Op: HeadImport, FileName: "pets.grafthead"}},
		{Kind: KindHeadFile, HeadFile: &HeadFile{ID: 1, FileName: "pets.grafthead", Bytes: 100}},
		{Kind: KindHeadError, HeadError: &HeadError{Op: HeadImport, Message: "not a head"}},
		{Kind: KindBench, Bench: &Bench{Images: 1000, Epochs: 20, Head: "mlp256"}},
		{Kind: KindBenchResult, BenchResult: &BenchResult{Bench: Bench{Images: 1000}, Ms: 1234}},
		{Kind: KindResult, Result: &Result{ID: 3, Head: &HeadPrediction{Name: "pets", Classes: []ClassProb{{"cats", 0.9}},
			Heat: &HeatMap{Class: 0, H: 1, W: 2, Map: []float32{0.25, 1}, Peak: 3.5, Resize: "crop"}}}},
		{Kind: KindSortStart, SortStart: &SortStart{Run: 7}},
		{Kind: KindSortReady, SortReady: &SortReady{Run: 7, Head: "pets", Classes: []string{"cats"}, CSVHeader: []string{"path"}, SortedTo: 7}},
		{Kind: KindSortRun, SortRun: &SortRun{Run: 7}},
		{Kind: KindSortPhoto, SortPhoto: &SortPhoto{ID: 1, Run: 7, Path: "a/b.jpg", Type: "image/jpeg", Bytes: 9}},
		{Kind: KindSorted, Sorted: &Sorted{ID: 1, Run: 7, Best: 1, Prob: 0.5, Unknown: true, Folder: "_none of these", CSV: []string{"a"}}},
		{Kind: KindSortPlan, SortPlan: &SortPlan{Run: 7, Classes: []string{"cats"}, Existing: []string{"cats/a.jpg"}, Items: []SortItem{{"cats", "a.jpg"}}}},
		{Kind: KindSortNames, SortNames: &SortNames{Run: 7, Paths: []string{"cats/a (2).jpg"}}},
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
		`{"kind":"train","status":{}}`, `{"kind":"extracted"}`, `{"kind":"run"}`, `{"kind":"head_op","heads":{}}`,
	} {
		if _, err := Decode(text); err == nil {
			t.Errorf("Decode(%q) accepted it", text)
		}
	}
}

func TestEncodeNaN(t *testing.T) {
	got := Encode(Envelope{Kind: KindResult, Result: &Result{Top5: []Prediction{{Prob: float32(math.NaN())}}}})
	e, err := Decode(got)
	if err != nil || e.Kind != KindStatus || !strings.Contains(e.Status.Error, "encoding") {
		t.Errorf("a NaN result encoded as %s (%v); want an error status", got, err)
	}
}
