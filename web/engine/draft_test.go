// Tests of draft.go: a trained head is kept as a draft apart from the saved heads; a new run
// replaces it; Save and Discard end it; a new page (a reload) offers it back and saves it.
package engine

import (
	"context"
	"errors"
	"testing"
)

func TestDraftHead(t *testing.T) {
	ctx := context.Background()
	store := &MemHeads{}
	s := NewShelf(store, "m", "conv4_block6_out")
	m, file := tinyHead(t, "m")
	s.SetTrained(m, file, nil, nil)
	if err := s.KeepDraft(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	h := s.List(ctx)
	if h.Draft == nil || len(h.Heads) != 0 || !h.Unsaved || h.Draft.CreatedMs != 1000 {
		t.Fatalf("after training: draft %+v, saved %d, unsaved %v", h.Draft, len(h.Heads), h.Unsaved)
	}
	s.SetTrained(m, file, nil, nil) // a new run replaces the draft
	s.KeepDraft(ctx, 2000)
	if h := s.List(ctx); h.Draft == nil || h.Draft.CreatedMs != 2000 || len(store.heads) != 1 {
		t.Fatalf("after a second run: draft %+v, %d stored", h.Draft, len(store.heads))
	}
	if _, err := s.Save(ctx, "pets", 3000); err != nil {
		t.Fatal(err)
	}
	if h := s.List(ctx); h.Draft != nil || len(h.Heads) != 1 || h.Unsaved {
		t.Fatalf("after Save: draft %+v, %d saved, unsaved %v", h.Draft, len(h.Heads), h.Unsaved)
	}

	// Discard: gone, and leaving no longer asks.
	s.SetTrained(m, append([]byte(nil), file...), nil, nil)
	store.heads = store.heads[:0]
	s.KeepDraft(ctx, 4000)
	d := s.List(ctx).Draft
	if err := s.Discard(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if h := s.List(ctx); h.Draft != nil || h.Unsaved || len(store.heads) != 0 {
		t.Fatalf("after Discard: draft %+v, unsaved %v, %d stored", h.Draft, h.Unsaved, len(store.heads))
	}

	// A reload: a new shelf on the same store offers the draft back; SaveDraft saves it.
	s.SetTrained(m, file, nil, nil)
	s.KeepDraft(ctx, 5000)
	again := NewShelf(store, "m", "conv4_block6_out")
	h = again.List(ctx)
	if h.Draft == nil || h.Unsaved || len(h.Heads) != 0 {
		t.Fatalf("after a reload: draft %+v, unsaved %v, %d saved", h.Draft, h.Unsaved, len(h.Heads))
	}
	id, err := again.SaveDraft(ctx, h.Draft.ID, "kept", 6000)
	if err != nil {
		t.Fatal(err)
	}
	if h := again.List(ctx); h.Draft != nil || len(h.Heads) != 1 || h.Heads[0].Name != "kept" || h.Active != id {
		t.Fatalf("after saving the draft: %+v", h)
	}
	if _, err := again.SaveDraft(ctx, h.Draft.ID, "", 7000); err == nil {
		t.Error("saving a draft twice works")
	}
}

// fullHeads refuses every write, as IndexedDB does with its quota full.
type fullHeads struct{ MemHeads }

func (*fullHeads) AddHead(context.Context, StoredHead) (int, error) {
	return 0, errors.New("QuotaExceededError: The quota has been exceeded.")
}

func TestDraftRefused(t *testing.T) {
	ctx := context.Background()
	s := NewShelf(&fullHeads{}, "m", "conv4_block6_out")
	m, file := tinyHead(t, "m")
	s.SetTrained(m, file, nil, nil)
	if err := s.KeepDraft(ctx, 1); err == nil {
		t.Fatal("a refused draft is not an error")
	}
	h := s.List(ctx)
	if h.Draft != nil || !h.Unsaved || h.DraftError == "" {
		t.Errorf("a refused draft lists %+v", h)
	}
	t.Log(h.DraftError)
}
