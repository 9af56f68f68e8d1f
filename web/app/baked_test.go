//go:build !(js && wasm)

// The page of a build with a baked head: heading and title from the head, the head's answer
// first with its open-set verdict, ImageNet's top-5 in a collapsed details element; a refused
// head leaves the ImageNet page with a notice saying why.
package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vugu/html"

	"github.com/graftml/graft/web/wire"
)

func bakedApp(unknown bool) *App {
	a := NewApp()
	a.State.Model = wire.Status{Phase: wire.PhaseReady, Engine: "wasm-simd128"}
	a.State.Apply(wire.Envelope{Kind: wire.KindBaked, Baked: &wire.Baked{State: wire.BakedActive, Title: "Pets", Classes: []string{"cats", "dogs"}, OpenSet: true, ID: 7}}, 0)
	a.State.Train.Heads = wire.Heads{Active: 7, Heads: []wire.HeadInfo{{ID: 7, Name: "Pets", Classes: []string{"cats", "dogs"}, Compatible: true, Accuracy: -1}}}
	a.State.Train.HeadsRead = true
	p := a.State.NewPhoto("cat.png", "blob:http://127.0.0.1/5", 0)
	h := &wire.HeadPrediction{ID: 7, Name: "Pets", Best: 1, Classes: []wire.ClassProb{{Name: "cats", Prob: 0.2}, {Name: "dogs", Prob: 0.8}},
		OpenSet: &wire.OpenSetVerdict{Unknown: unknown, Score: 3, Threshold: 2, Nearest: 1}}
	a.State.Apply(wire.Envelope{Kind: wire.KindResult, Result: &wire.Result{ID: p.ID, Resize: "crop", Head: h,
		Top5: []wire.Prediction{{Index: 281, Name: "tabby", Prob: 0.6}}}}, 10)
	return a
}

func TestBakedPage(t *testing.T) {
	if got := PageTitle(&wire.Baked{State: wire.BakedLoading, Title: "Pets", Classes: []string{"cats", "dogs"}}); got != "Pets: Cats or dogs? — classify your photo" {
		t.Errorf("title %q", got)
	}
	if got := Question([]string{"cats", "dogs", "birds"}); got != "Cats, dogs or birds?" {
		t.Errorf("question %q", got)
	}
	if PageTitle(nil) != "Graft — ResNet50 in your browser" || Heading(&wire.Baked{State: wire.BakedRefused, Classes: []string{"a"}}) != "Graft" {
		t.Error("no head, or a refused one: not Graft's title")
	}
	for _, unknown := range []bool{false, true} {
		var b bytes.Buffer
		if err := RenderStatic(&b, bakedApp(unknown)); err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		checkPage(t, "baked", doc)
		if h := element(doc, "page-heading"); h == nil || !strings.HasPrefix(text(h), "Cats or dogs? — classify your photo") || !strings.Contains(text(h), "Pets") {
			t.Errorf("heading: %q", text(element(doc, "page-heading")))
		}
		d := element(doc, "imagenet-details")
		if d == nil || d.Data != "details" || hasAttr(d, "open") || element(d, "top5") == nil {
			t.Fatal("ImageNet's top-5 is not in a collapsed details element")
		}
		// The head's answer comes before the top-5, and its heading is the best class or the verdict.
		s := b.String()
		hp, t5 := strings.Index(s, `id="head-probs"`), strings.Index(s, `id="top5"`)
		if hp < 0 || hp > t5 || strings.Count(s, `id="top5"`) != 1 || strings.Count(s, `id="head-probs"`) != 1 {
			t.Errorf("head answer at %d, top-5 at %d", hp, t5)
		}
		if !strings.Contains(s, `aria-label="Export deploy bundle for Pets"`) {
			t.Error("no Export deploy bundle button beside the saved head")
		}
		want := "dogs (80%)"
		if unknown {
			want = "Not one of: cats, dogs."
		}
		if !strings.Contains(text(doc), want) {
			t.Errorf("unknown=%v: no %q", unknown, want)
		}
	}

	// A refused head: the ImageNet page, with the reason.
	a := NewApp()
	msg := "This build’s classifier “Pets” (cats, dogs) cannot run here: it was trained on model x. Showing ImageNet’s labels instead."
	a.State.Apply(wire.Envelope{Kind: wire.KindBaked, Baked: &wire.Baked{State: wire.BakedRefused, Title: "Pets", Classes: []string{"cats", "dogs"}, Message: msg}}, 0)
	var b bytes.Buffer
	if err := RenderStatic(&b, a); err != nil {
		t.Fatal(err)
	}
	doc, _ := html.Parse(strings.NewReader(b.String()))
	if n := element(doc, "baked-note"); n == nil || text(n) != msg {
		t.Errorf("refused head's note: %v", n)
	}
	if !strings.HasPrefix(text(element(doc, "page-heading")), "Graft") {
		t.Errorf("refused head's heading %q", text(element(doc, "page-heading")))
	}
}
