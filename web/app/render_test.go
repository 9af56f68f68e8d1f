//go:build !(js && wasm)

// The page as rendered by the static twin (main_other.go's RenderStatic, the same components
// the browser renders) meets the rules the CSP and accessibility impose: no inline style or
// script, every image described, every control and bar labelled, ids unique.
package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vugu/html"

	"github.com/graftml/graft/web/wire"
)

// renderedStates are the page in its main states.
func renderedStates() map[string]*App {
	starting := NewApp()

	downloading := NewApp()
	downloading.State.Model = wire.Status{Phase: wire.PhaseDownloading, Engine: "wasm-simd128", BytesDone: 5e6, BytesTotal: 25e6,
		ChunksDone: 5, ChunksTotal: 25, LayersDone: 12, LayersTotal: 54, Synthetic: true, SyntheticOf: "the classifier",
		Notice: "model chunk x failed (connection reset); retrying in 1s"}
	downloading.State.NewPhoto("early.jpg", "blob:http://127.0.0.1/1", 0)

	done := NewApp()
	done.State.Model = wire.Status{Phase: wire.PhaseReady, Engine: "wasm-relaxed-simd", BytesDone: 25e6, BytesTotal: 25e6,
		ChunksDone: 25, ChunksTotal: 25, LayersDone: 54, LayersTotal: 54, Cached: true, FromNetwork: 25, ModelID: "keras-resnet50-imagenet.int8.0123456789abcdef"}
	p := done.State.NewPhoto("tabby.png", "blob:http://127.0.0.1/2", 0)
	top := []wire.Prediction{{Index: 281, Name: "tabby", Prob: 0.6}, {Index: 282, Name: "tiger_cat", Prob: 0.2},
		{Index: 285, Name: "Egyptian_cat", Prob: 0.1}, {Index: 287, Name: "lynx", Prob: 0.05}, {Index: 728, Name: "plastic_bag", Prob: 0.01}}
	done.State.Apply(wire.Envelope{Kind: wire.KindResult, Result: &wire.Result{ID: p.ID, Top5: top, Resize: "crop",
		ResizeText: "crop: shorter side resized", Engine: "wasm-relaxed-simd", Width: 335, Height: 500}}, 300)

	failed := NewApp()
	failed.State.Model = done.State.Model
	f := failed.State.NewPhoto("notes.txt", "blob:http://127.0.0.1/3", 0)
	failed.State.Apply(wire.Envelope{Kind: wire.KindFailed, Failed: &wire.Failed{ID: f.ID, Message: "“notes.txt” is a text file, not an image."}}, 10)
	failed.State.Camera = true

	trained := NewApp()
	trained.State.Model = done.State.Model
	tr := &trained.State.Train
	tr.Phase, tr.Folder, tr.Run = TrainDone, "pets", 2
	tr.List = wire.Listing{ID: 1, Final: true, Classes: []wire.ClassCount{{Name: "cats", Images: 20}, {Name: "dogs", Images: 20}},
		Entries: make([]wire.Entry, 40), Skipped: []wire.Skip{{Path: "cats/notes.txt", Reason: "not an image: text"}}}
	tr.Extract = NewExtraction(&wire.Missing{Run: 2, Entries: make([]int, 40)}, 2, 0)
	tr.Extract.Done, tr.Extract.NowMs, tr.Extract.Workers = 40, 16000, 2
	for e := 1; e <= 6; e++ {
		tr.Epochs = append(tr.Epochs, wire.Epoch{Run: 2, Epoch: e, Epochs: 6, Loss: 1 / float64(e), Accuracy: 0.5 + 0.07*float64(e),
			ValLoss: 1.2 / float64(e), ValAccuracy: 0.5 + 0.06*float64(e)})
	}
	tr.Result = &wire.Trained{Run: 2, Classes: []string{"cats", "dogs"}, History: tr.Epochs, BestEpoch: 6, TrainImages: 32, ValImages: 8,
		TrainMs: 210, Validation: &wire.Metrics{Examples: 8, Accuracy: 0.875, PerClass: []float64{0.75, 1}, Counts: []int{4, 4},
			Confusion: [][]int{{3, 1}, {0, 4}}, Wrong: []wire.Wrong{{Path: "cats/a.png", Label: 0, Predicted: 1, Probs: []float32{0.4, 0.6}}}},
		Head: wire.HeadInfo{Name: "cats / dogs", Preset: "mlp256", Accuracy: 0.875}}
	tr.Wrong = []WrongImage{WrongOf(tr.Result, tr.Result.Validation.Wrong[0], "blob:http://127.0.0.1/4", 0)}
	tr.Heads = wire.Heads{Active: 3, Heads: []wire.HeadInfo{{ID: 3, Name: "pets", Classes: []string{"cats", "dogs"}, Accuracy: 0.875, Examples: 8,
		Layer: "conv4_block6_out", Preset: "mlp256", Compatible: true}, {ID: 1, Name: "old", Classes: []string{"a", "b"}, Accuracy: -1,
		Compatible: false, Problem: "it reads features of model x"}}}
	tr.HeadsRead = true
	tp := trained.State.NewPhoto("cat.png", "blob:http://127.0.0.1/5", 0)
	trained.State.Apply(wire.Envelope{Kind: wire.KindResult, Result: &wire.Result{ID: tp.ID, Top5: top, Resize: "crop",
		Head: &wire.HeadPrediction{ID: 3, Name: "pets", Best: 0, Classes: []wire.ClassProb{{Name: "cats", Prob: 0.9}, {Name: "dogs", Prob: 0.1}}}}}, 10)

	// The same head on a photo that is none of its classes.
	unknown := NewApp()
	unknown.State.Model = done.State.Model
	unknown.State.Train = *tr
	up := unknown.State.NewPhoto("car.png", "blob:http://127.0.0.1/6", 0)
	unknown.State.Apply(wire.Envelope{Kind: wire.KindResult, Result: &wire.Result{ID: up.ID, Top5: top, Resize: "crop",
		Head: &wire.HeadPrediction{ID: 3, Name: "pets", Best: 0, Classes: []wire.ClassProb{{Name: "cats", Prob: 0.97}, {Name: "dogs", Prob: 0.03}},
			OpenSet: &wire.OpenSetVerdict{Unknown: true, Score: 6.3, Threshold: 1.8, Nearest: 0}}}}, 10)

	// The head's answer with its heat map, "Show why" on at 70%; and a map where nothing counted.
	why := NewApp()
	why.State.Model = done.State.Model
	why.State.Why, why.State.WhyOpacity = true, 70
	wp := why.State.NewPhoto("cat.png", "blob:http://127.0.0.1/7", 0)
	why.State.Apply(wire.Envelope{Kind: wire.KindResult, Result: &wire.Result{ID: wp.ID, Top5: top, Resize: "crop",
		Head: &wire.HeadPrediction{ID: 3, Name: "pets", Best: 0, Classes: []wire.ClassProb{{Name: "cats", Prob: 0.9}, {Name: "dogs", Prob: 0.1}},
			Heat: &wire.HeatMap{Class: 0, H: 2, W: 2, Map: []float32{0, 0.5, 1, 0.25}, Peak: 3, Resize: "crop"}}}}, 10)
	wp.HeatURL = "blob:http://127.0.0.1/9"
	whyOff := NewApp()
	whyOff.State.Model = done.State.Model
	*whyOff.State = *why.State
	whyOff.State.Why = false
	flat := NewApp()
	flat.State.Model = done.State.Model
	fp := flat.State.NewPhoto("wall.png", "blob:http://127.0.0.1/8", 0)
	flat.State.Apply(wire.Envelope{Kind: wire.KindResult, Result: &wire.Result{ID: fp.ID, Top5: top, Resize: "nearest",
		Head: &wire.HeadPrediction{ID: 3, Name: "pets", Best: 1, Classes: []wire.ClassProb{{Name: "cats", Prob: 0.4}, {Name: "dogs", Prob: 0.6}},
			Heat: &wire.HeatMap{Class: 1, H: 1, W: 1, Map: []float32{0}, Peak: 0, Resize: "nearest"}}}}, 10)
	flat.State.Why = true

	// A folder sorted with the head; and one being sorted.
	sorted := NewApp()
	sorted.State.Model = done.State.Model
	sorted.State.Train = *tr
	sorted.State.Sort, _ = sortedFixture() // TestSortState checks it
	sorted.State.Sort.CanWrite = true
	sorted.State.Sort.SetBy("prob")
	sorting := NewApp()
	sorting.State.Model = done.State.Model
	sorting.State.Sort = NewSort(SortRunBase+9, "holiday", []string{"holiday/a.jpg", "holiday/b.jpg"}, []string{"u1", "u2"})
	sorting.State.Sort.Ready(&wire.SortReady{Run: SortRunBase + 9, Head: "pets", Classes: []string{"cats", "dogs"}}, 2, 0)

	training := NewApp()
	training.State.Model = done.State.Model
	training.State.Train = *tr
	training.State.Train.Phase, training.State.Train.Result, training.State.Train.Wrong = TrainExtracting, nil, nil
	training.State.Train.Extract.Done = 12

	return map[string]*App{"starting": starting, "downloading": downloading, "done": done, "failed": failed, "trained": trained, "training": training, "unknown": unknown,
		"why": why, "why-off": whyOff, "why-flat": flat, "sorted": sorted, "sorting": sorting}
}

func TestRenderedPage(t *testing.T) {
	for name, app := range renderedStates() {
		var b bytes.Buffer
		if err := RenderStatic(&b, app); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		doc, err := html.Parse(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkPage(t, name, doc)
		text := b.String()
		switch name {
		case "downloading":
			for _, want := range []string{"Running the layers that are in as they arrive (12 of 54", "Demo model: the classifier", "retrying in 1s", `max="25000000"`} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the page lacks %q", name, want)
				}
			}
		case "done":
			if strings.Contains(text, `id="show-why"`) || !strings.Contains(text, `hidden`) {
				t.Errorf("%s: a Show why toggle without a head, or a heat image shown", name)
			}
			for _, want := range []string{"cached — works offline", "relaxed SIMD", "tabby", "60%", "crop: shorter side resized", "335×500 pixels"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the page lacks %q", name, want)
				}
			}
			if n := strings.Count(text, "<meter"); n != 5 {
				t.Errorf("%s: %d probability bars, want 5", name, n)
			}
		case "trained":
			for _, want := range []string{"Classes in “pets”", "1 file skipped", "Validation accuracy 88% (95% interval 52–98%): 7 of 8 right", `id="confusion"`,
				`class="cell heat-7 diagonal"`, "cats → dogs (60%)", "<h3>pets: ", `id="loss-chart"`, `data-epochs="6"`, "In use",
				"it reads features of model x", "validation accuracy 88% (95% interval 52–98%) on 8 images"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the page lacks %q", name, want)
				}
			}
			if h, top := strings.Index(text, `id="head-probs"`), strings.Index(text, `id="top5"`); h < 0 || top < h {
				t.Errorf("%s: the head's answer (at %d) is not above ImageNet's top-5 (at %d)", name, h, top)
			}
			if n := strings.Count(text, "<polyline"); n != 4 {
				t.Errorf("%s: %d chart lines, want 4 (loss and accuracy, training and validation)", name, n)
			}
		case "unknown":
			for _, want := range []string{`class="head-probs unknown"`, `data-unknown="true"`, "Not one of: cats, dogs. Nearest is cats, 3.5× as far"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the page lacks %q", name, want)
				}
			}
		case "why":
			for _, want := range []string{`id="show-why"`, `checked`, `class="photo-box why cropped"`, `class="heat o-7"`, `id="why-opacity"`,
				`value="70"`, "Where the head found “cats”", "2×2 cells over the centre square"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the page lacks %q", name, want)
				}
			}
			if img := element(doc, "heat-overlay"); img == nil || hasAttr(img, "hidden") || attrs(img)["src"] != "blob:http://127.0.0.1/9" {
				t.Errorf("%s: the heat image is hidden or missing", name)
			}
			if slider := element(doc, "why-opacity"); slider == nil || hasAttr(slider, "disabled") {
				t.Errorf("%s: the opacity slider is disabled or missing", name)
			}
		case "why-off", "why-flat":
			if img := element(doc, "heat-overlay"); img == nil || !hasAttr(img, "hidden") {
				t.Errorf("%s: the heat image is shown", name)
			}
			if box := `class="photo-box"`; !strings.Contains(text, box) {
				t.Errorf("%s: the photo is not in its plain frame", name)
			}
			if show := element(doc, "show-why"); show == nil || (name == "why-off") == hasAttr(show, "checked") {
				t.Errorf("%s: the Show why toggle is missing or in the wrong state", name)
			}
			if want := map[string]string{"why-off": "Show where in the photo the head found “cats”", "why-flat": "Nothing in this photo counted for “dogs”"}[name]; !strings.Contains(text, want) {
				t.Errorf("%s: the page lacks %q", name, want)
			}
		case "sorted":
			for _, want := range []string{`id="sort-table"`, `id="sort-csv"`, `id="sort-write"`, `aria-sort="descending"`, `data-class="none of these"`,
				`data-unknown="true"`, "Sorted 3 of 4 photos of “pets” with “pets”", `class="thumb"`, "not classified: “d.txt” is a text file"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the page lacks %q", name, want)
				}
			}
			if i, j := strings.Index(text, `data-path="pets/a.jpg"`), strings.Index(text, `data-path="pets/sub/c.png"`); i < 0 || j < i {
				t.Errorf("%s: the table is not sorted by probability (most probable first)", name)
			}
		case "sorting":
			for _, want := range []string{`id="sort-progress"`, `id="sort-cancel"`, "0 of 2 photos, 1 workers", "No head is in use yet"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the page lacks %q", name, want)
				}
			}
			if strings.Contains(text, `id="sort-csv"`) {
				t.Errorf("%s: Download CSV before any photo is classified", name)
			}
		case "training":
			for _, want := range []string{"12 of 40 images", "2 workers", `id="cancel-button"`} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the page lacks %q", name, want)
				}
			}
		case "failed":
			if !strings.Contains(text, `role="alert"`) || !strings.Contains(text, "not an image") {
				t.Errorf("%s: no alert saying what went wrong", name)
			}
		}
	}
}

// checkPage walks the document: CSP (no style attributes, no inline script/style elements),
// images with alt text, controls and bars with labels, unique ids.
func checkPage(t *testing.T, name string, doc *html.Node) {
	t.Helper()
	ids := map[string]int{}
	labelFor := map[string]bool{}
	var controls []*html.Node
	var walk func(n *html.Node, inLabel bool)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			a := attrs(n)
			if _, ok := a["style"]; ok {
				t.Errorf("%s: <%s> has a style attribute; the CSP (style-src 'self') blocks inline styles", name, n.Data)
			}
			for k := range a {
				if strings.HasPrefix(k, "on") {
					t.Errorf("%s: <%s> has an inline handler %s; the CSP blocks it", name, n.Data, k)
				}
			}
			if id, ok := a["id"]; ok {
				ids[id]++
			}
			switch n.Data {
			case "script", "style":
				t.Errorf("%s: an inline <%s> element; the CSP blocks it", name, n.Data)
			case "img":
				if strings.TrimSpace(a["alt"]) == "" {
					t.Errorf("%s: <img src=%q> without alt text", name, a["src"])
				}
			case "label":
				if f, ok := a["for"]; ok {
					labelFor[f] = true
				}
				inLabel = true
			case "input", "progress", "meter", "select", "textarea":
				if !inLabel && a["aria-label"] == "" {
					controls = append(controls, n)
				}
			case "button":
				if text(n) == "" && a["aria-label"] == "" {
					t.Errorf("%s: a button with no name", name)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(doc, false)
	for id, n := range ids {
		if n > 1 {
			t.Errorf("%s: id %q used %d times", name, id, n)
		}
	}
	for id := range labelFor {
		if ids[id] == 0 {
			t.Errorf("%s: <label for=%q> names no element", name, id)
		}
	}
	for _, c := range controls {
		if !labelFor[attrs(c)["id"]] {
			t.Errorf("%s: <%s id=%q> has no label", name, c.Data, attrs(c)["id"])
		}
	}
}

func attrs(n *html.Node) map[string]string {
	m := map[string]string{}
	for _, a := range n.Attr {
		m[a.Key] = a.Val
	}
	return m
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// element is the element with id, nil when there is none.
func element(n *html.Node, id string) *html.Node {
	if n.Type == html.ElementNode && attrs(n)["id"] == id {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if e := element(c, id); e != nil {
			return e
		}
	}
	return nil
}

func hasAttr(n *html.Node, key string) bool {
	_, ok := attrs(n)[key]
	return ok
}
