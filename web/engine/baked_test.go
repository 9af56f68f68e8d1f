// The baked head: head.json read (404: none), the file checked against its SHA-256, imported
// into the saved heads once however often the page loads, made active, and refused with its
// reason when it was trained on another model.
package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/web/wire"
)

// mapNet serves files from a map; others are 404.
type mapNet map[string][]byte

func (n mapNet) Fetch(_ context.Context, file string) ([]byte, error) {
	if b, ok := n[file]; ok {
		return b, nil
	}
	return nil, &StatusError{File: file, Code: 404}
}

func bakedSite(t *testing.T, file []byte, title string) (mapNet, *app.HeadManifest) {
	t.Helper()
	hm, _, err := app.NewHeadManifest(file, "heads/0123456789abcdef.grafthead", title)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(hm)
	return mapNet{app.HeadManifestFile: js, hm.File: file}, hm
}

func TestBakedHead(t *testing.T) {
	ctx := context.Background()
	if hm, err := ReadBakedManifest(ctx, mapNet{}); hm != nil || err != nil {
		t.Errorf("no head.json: %v, %v", hm, err)
	}
	_, file := tinyHead(t, "m")
	net, _ := bakedSite(t, file, "Pets")
	store := &MemHeads{}
	var firstID int
	for load := range 3 { // three visits of the page, one browser
		s := NewShelf(store, "m", "conv4_block6_out")
		hm, err := ReadBakedManifest(ctx, net)
		if err != nil || hm == nil || hm.Title != "Pets" {
			t.Fatalf("head.json: %+v, %v", hm, err)
		}
		data, err := FetchBaked(ctx, net, hm)
		if err != nil {
			t.Fatal(err)
		}
		b := s.UseBaked(ctx, hm, data, float64(load))
		if b.State != wire.BakedActive || b.Title != "Pets" || strings.Join(b.Classes, ",") != "a,b" || b.ID <= 0 {
			t.Fatalf("visit %d: %+v", load, b)
		}
		if load == 0 {
			firstID = b.ID
		}
		h := s.List(ctx)
		if len(h.Heads) != 1 || h.Active != b.ID || b.ID != firstID || h.Heads[0].Name != "Pets" {
			t.Errorf("visit %d: the baked head was not kept once and made active: %+v", load, h)
		}
		if p, err := s.Predict(make([]float32, 1024)); err != nil || p == nil || p.Name != "Pets" {
			t.Errorf("visit %d: the baked head does not classify: %+v, %v", load, p, err)
		}
	}

	// A damaged file is caught by its SHA-256.
	bad, hm := bakedSite(t, file, "Pets")
	damaged := append([]byte(nil), file...)
	damaged[len(damaged)-1] ^= 1
	bad[hm.File] = damaged
	if _, err := FetchBaked(ctx, bad, hm); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("a damaged baked head: %v", err)
	}

	// A head of another model is refused, with its reason, and nothing is saved or activated.
	_, other := tinyHead(t, "other-model")
	onet, ohm := bakedSite(t, other, "Birds")
	data, err := FetchBaked(ctx, onet, ohm)
	if err != nil {
		t.Fatal(err)
	}
	s := NewShelf(&MemHeads{}, "m", "conv4_block6_out")
	b := s.UseBaked(ctx, ohm, data, 0)
	if b.State != wire.BakedRefused || !strings.Contains(b.Message, "“Birds”") || !strings.Contains(b.Message, "other-model") ||
		!strings.Contains(b.Message, "ImageNet") {
		t.Errorf("another model's head: %+v", b)
	}
	if h := s.List(ctx); len(h.Heads) != 0 || h.Active != -1 {
		t.Errorf("a refused head was kept or activated: %+v", h)
	}
	// Same model, another layer: refused too.
	s = NewShelf(&MemHeads{}, "m", "conv5_block3_out")
	_, hm2 := bakedSite(t, file, "Pets")
	if b := s.UseBaked(ctx, hm2, file, 0); b.State != wire.BakedRefused || !strings.Contains(b.Message, "conv4_block6_out") {
		t.Errorf("another layer's head: %+v", b)
	}
}
