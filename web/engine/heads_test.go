// The saved heads: save, list, use, export, import (with the errors a user sees for a file that
// is not a head, damaged, or made for another model), delete, and predict with the active head.
package engine

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/head"
)

// tinyHead trains a small head for model "m", layer L (features 8), classes a and b.
func tinyHead(t *testing.T, modelID string) (*head.Model, []byte) {
	t.Helper()
	d := &head.Data{Base: head.Base{ModelID: modelID, Layer: "conv4_block6_out", Features: 1024, Resize: "crop"}, Classes: []string{"a", "b"}}
	for i := range 12 {
		f := make([]float32, 1024)
		for j := range f {
			f[j] = float32((i*31+j*7)%13) / 13
			if i%2 == 1 && j%3 == 0 {
				f[j] += 1
			}
		}
		d.Examples = append(d.Examples, head.Example{Views: [][]float32{f}, Label: i % 2, Name: "x"})
	}
	cfg, _ := head.DefaultConfig("linear")
	cfg.Epochs = 3
	res, err := head.Train(context.Background(), cfg, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	file, err := headfile.Marshal(res.Model)
	if err != nil {
		t.Fatal(err)
	}
	return res.Model, file
}

func TestShelf(t *testing.T) {
	ctx := context.Background()
	store := &MemHeads{}
	s := NewShelf(store, "m", "conv4_block6_out")
	if _, err := s.Save(ctx, "x", 1); err != ErrNothingTrained {
		t.Errorf("save before training: %v", err)
	}
	if h := s.List(ctx); len(h.Heads) != 0 || h.Active != -1 {
		t.Errorf("empty shelf lists %+v", h)
	}
	m, file := tinyHead(t, "m")
	s.SetTrained(m, file, nil, nil)
	if h := s.List(ctx); h.Active != 0 {
		t.Errorf("the head just trained is not active: %+v", h)
	}
	id, err := s.Save(ctx, "  my\nhead ", 1000)
	if err != nil {
		t.Fatal(err)
	}
	h := s.List(ctx)
	if len(h.Heads) != 1 || h.Active != id || h.Heads[0].Name != "my head" || !h.Heads[0].Compatible || h.Heads[0].Preset != "linear" ||
		h.Heads[0].CreatedMs != 1000 || h.Heads[0].Bytes != len(file) {
		t.Errorf("after saving: %+v", h)
	}
	got, name, err := s.Export(ctx, id)
	if err != nil || !bytes.Equal(got, file) || name != "my-head.grafthead" {
		t.Errorf("export: %d bytes, %q, %v", len(got), name, err)
	}

	// Import: the exported file comes back; a photo, a damaged file and another model's head do not.
	id2, err := s.Import(ctx, "copy.grafthead", got, 2000)
	if err != nil || id2 == id {
		t.Fatalf("import of an exported head: %d, %v", id2, err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"cat.jpg", []byte("\xff\xd8\xff\xe0 a JPEG"), "“cat.jpg” is not a Graft head file"},
		{"cut.grafthead", file[:len(file)-8], "“cut.grafthead” is not a valid head file"},
		{"other.grafthead", func() []byte { _, f := tinyHead(t, "other-model"); return f }(), "“other.grafthead” does not fit this model: it reads conv4_block6_out features of model other-model"},
	} {
		if _, err := s.Import(ctx, tc.name, tc.data, 3000); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("import %s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if n := len(s.List(ctx).Heads); n != 2 {
		t.Errorf("%d heads after the refused imports, want 2", n)
	}

	// A head of another model in the store (saved by another version of the page) is listed as such.
	_, other := tinyHead(t, "old-model")
	store.AddHead(ctx, StoredHead{Name: "old", File: other})
	var oldID int
	for _, hi := range s.List(ctx).Heads {
		if hi.Name == "old" {
			oldID = hi.ID
			if hi.Compatible || !strings.Contains(hi.Problem, "old-model") {
				t.Errorf("another model's head listed as %+v", hi)
			}
		}
	}
	if err := s.Use(ctx, oldID); err == nil || !strings.Contains(err.Error(), "cannot run here") {
		t.Errorf("using another model's head: %v", err)
	}

	// Predict with the active head; delete it and nothing is active.
	if err := s.Use(ctx, id2); err != nil {
		t.Fatal(err)
	}
	f := make([]float32, 1024)
	p, err := s.Predict(f)
	if err != nil || p == nil || p.ID != id2 || len(p.Classes) != 2 || p.Classes[0].Prob+p.Classes[1].Prob < 0.999 {
		t.Errorf("predict: %+v, %v", p, err)
	}
	want, _ := m.Probabilities(f, 1)
	if p.Classes[1].Prob != want[1] {
		t.Errorf("the active head gives %g, the model %g", p.Classes[1].Prob, want[1])
	}
	if err := s.Delete(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Predict(f); p != nil || s.List(ctx).Active != -1 {
		t.Errorf("after deleting the active head: prediction %+v", p)
	}
	if err := s.Use(ctx, 0); err != nil {
		t.Errorf("the head just trained can be used again: %v", err)
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{"cats / dogs": "cats-dogs.grafthead", "": "head.grafthead", "../../etc": "etc.grafthead",
		"Köpfe 2": "Köpfe-2.grafthead"} {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSaveTwice: a second Save of the same head adds nothing and names the copy kept; the list
// says a trained head is unsaved until it is saved (and again once that copy is deleted).
func TestSaveTwice(t *testing.T) {
	ctx := context.Background()
	store := &MemHeads{}
	s := NewShelf(store, "m", "conv4_block6_out")
	m, file := tinyHead(t, "m")
	s.SetTrained(m, file, nil, nil)
	if h := s.List(ctx); !h.Unsaved {
		t.Errorf("a head just trained is not listed as unsaved: %+v", h)
	}
	id, err := s.Save(ctx, "pets", 1)
	if err != nil {
		t.Fatal(err)
	}
	if h := s.List(ctx); h.Unsaved || h.Active != id {
		t.Errorf("after Save: %+v", h)
	}
	again, err := s.Save(ctx, "pets again", 2)
	var dup *AlreadySavedError
	if !errors.As(err, &dup) || dup.Name != "pets" || again != id {
		t.Errorf("a second Save: id %d, %v; want %d and AlreadySavedError naming pets", again, err, id)
	}
	if h := s.List(ctx); len(h.Heads) != 1 {
		t.Errorf("two Saves keep %d heads, want 1", len(h.Heads))
	}
	if err := s.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if h := s.List(ctx); !h.Unsaved {
		t.Errorf("with its saved copy deleted, the head just trained is not unsaved: %+v", h)
	}
}
