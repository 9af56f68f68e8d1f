// The heat map a classify answer carries (wire.HeatMap) is app.Classifier.Explain's — what
// graft explain computes — for the same photo and head, from the activation the forward pass
// already had; it is only there when asked for.
package engine

import (
	"context"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/core/preprocess"
)

func TestClassifyExplainsHeadAnswer(t *testing.T) {
	s := loadedSession(t)
	m, file := tinyHead(t, s.Manifest().Model.ID)
	shelf := NewShelf(&MemHeads{}, s.Manifest().Model.ID, m.Base.Layer)
	if err := shelf.SetTrained(m, file, nil, nil); err != nil {
		t.Fatal(err)
	}
	img := testPhoto()
	px := Pixels{RGBA: img.Pix, Width: img.Rect.Dx(), Height: img.Rect.Dy(), Stride: img.Stride}
	ctx := context.Background()

	plain, err := s.ClassifyWithHead(ctx, px, preprocess.Crop, shelf, false)
	if err != nil || plain.Head == nil {
		t.Fatalf("classify: %+v, %v", plain, err)
	}
	if plain.Head.Heat != nil {
		t.Error("a heat map that was not asked for")
	}
	res, err := s.ClassifyWithHead(ctx, px, preprocess.Crop, shelf, true)
	if err != nil || res.Head == nil || res.Head.Heat == nil {
		t.Fatalf("classify with explain: %+v, %v", res, err)
	}
	h := res.Head.Heat

	x, err := s.Activation(ctx, px, preprocess.Crop, m.Base.Layer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.NewClassifier(m)
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.Explain(c.InputLayer(), x, -1)
	if err != nil {
		t.Fatal(err)
	}
	if h.Class != want.Class || h.Class != res.Head.Best || h.H != want.H || h.W != want.W || h.Peak != want.Peak || h.Resize != "crop" {
		t.Fatalf("heat map class %d %d×%d peak %g (%s); app.Explain: class %d %d×%d peak %g; best %d",
			h.Class, h.H, h.W, h.Peak, h.Resize, want.Class, want.H, want.W, want.Peak, res.Head.Best)
	}
	if len(h.Map) != len(want.Map) || want.Peak <= 0 {
		t.Fatalf("%d cells, app.Explain %d (peak %g)", len(h.Map), len(want.Map), want.Peak)
	}
	for i := range want.Map {
		if h.Map[i] != want.Map[i] {
			t.Fatalf("cell %d: %g, app.Explain %g", i, h.Map[i], want.Map[i])
		}
	}
	// A photo sent with the other resize mode is explained in the head's view, and says so.
	if other, err := s.ClassifyWithHead(ctx, px, preprocess.Nearest, shelf, true); err != nil || other.Head.Heat == nil || other.Head.Heat.Resize != "crop" {
		t.Errorf("nearest photo, crop head: %+v, %v", other, err)
	}
	// The answer is the same with or without the map.
	for i := range plain.Head.Classes {
		if plain.Head.Classes[i] != res.Head.Classes[i] {
			t.Errorf("class %d: %+v without the map, %+v with it", i, plain.Head.Classes[i], res.Head.Classes[i])
		}
	}
}

// TestClassifyExplainsImageNetTop1: asked for, the result carries the ImageNet top-1's map
// (app.ExplainImageNet over conv5_block3_out of the same pass), with or without a head; not
// asked for, none.
func TestClassifyExplainsImageNetTop1(t *testing.T) {
	s := loadedSession(t)
	img := testPhoto()
	px := Pixels{RGBA: img.Pix, Width: img.Rect.Dx(), Height: img.Rect.Dy(), Stride: img.Stride}
	ctx := context.Background()
	plain, err := s.ClassifyWithHead(ctx, px, preprocess.Crop, nil, false)
	if err != nil || plain.Heat != nil {
		t.Fatalf("not asked for: heat %v, %v", plain.Heat != nil, err)
	}
	res, err := s.ClassifyWithHead(ctx, px, preprocess.Crop, nil, true)
	if err != nil || res.Heat == nil {
		t.Fatalf("asked for: %+v, %v", res, err)
	}
	x, err := s.Activation(ctx, px, preprocess.Crop, app.ImageNetLayer)
	if err != nil {
		t.Fatal(err)
	}
	model, _ := s.WaitModel(ctx)
	want, err := app.ExplainImageNet(model, x, -1)
	if err != nil {
		t.Fatal(err)
	}
	h := res.Heat
	if h.Class != want.Class || h.Class != res.Top5[0].Index || h.H != 7 || h.W != 7 || h.Peak != want.Peak || h.Resize != "crop" {
		t.Fatalf("heat class %d %d×%d peak %g (%s); app: class %d peak %g; top-1 %d", h.Class, h.H, h.W, h.Peak, h.Resize, want.Class, want.Peak, res.Top5[0].Index)
	}
	for i := range want.Map {
		if h.Map[i] != want.Map[i] {
			t.Fatalf("cell %d: %g, app %g", i, h.Map[i], want.Map[i])
		}
	}
	m, file := tinyHead(t, s.Manifest().Model.ID)
	shelf := NewShelf(&MemHeads{}, s.Manifest().Model.ID, m.Base.Layer)
	if err := shelf.SetTrained(m, file, nil, nil); err != nil {
		t.Fatal(err)
	}
	both, err := s.ClassifyWithHead(ctx, px, preprocess.Crop, shelf, true)
	if err != nil || both.Heat == nil || both.Head == nil || both.Head.Heat == nil || both.Heat.Class != h.Class {
		t.Fatalf("with a head: %+v, %v", both, err)
	}
}
