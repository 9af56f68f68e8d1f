// draft.go: the head just trained, kept automatically as a draft until the user saves or
// discards it, so that closing the tab (or a crash) does not lose it. A draft is a stored head
// marked Draft: at most one is kept (a new run's replaces it), it is not among the saved heads
// (List gives it apart, wire.Heads.Draft), Save makes the head a saved one and drops the
// draft, Discard deletes it; after a reload the page offers it back (SaveDraft, Discard).
package engine

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/web/wire"
)

// KeepDraft stores the head just trained as the draft, replacing any other. A store that
// refuses is noted (List says so): the head stays usable, and leaving the page asks first.
func (s *Shelf) KeepDraft(ctx context.Context, nowMs float64) error {
	s.mu.Lock()
	m, file := s.trained, s.trainedFile
	s.mu.Unlock()
	if m == nil {
		return ErrNothingTrained
	}
	stored, err := s.Store.ListHeads(ctx)
	if err == nil {
		s.dropDrafts(ctx, stored)
		_, err = s.Store.AddHead(ctx, StoredHead{Name: DefaultHeadName(m.Classes), CreatedMs: nowMs, File: file, Draft: true})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.draftErr = ""
	if err != nil {
		s.draftErr = "this browser refused to keep a draft of the head (" + RefusalReason(err) + "): save or export it before leaving"
	}
	return err
}

// dropDrafts deletes the drafts among stored.
func (s *Shelf) dropDrafts(ctx context.Context, stored []StoredHead) {
	for _, h := range stored {
		if h.Draft {
			s.Store.DeleteHead(ctx, h.ID)
		}
	}
}

// listDraft describes draft h in out (the newest, should there be more).
func (s *Shelf) listDraft(out *wire.Heads, h StoredHead) {
	if out.Draft != nil && out.Draft.ID > h.ID {
		return
	}
	info := s.describe(h)
	out.Draft = &info
}

// draft is stored draft id.
func (s *Shelf) draft(ctx context.Context, id int) (StoredHead, error) {
	stored, err := s.Store.ListHeads(ctx)
	if err != nil {
		return StoredHead{}, err
	}
	i := slices.IndexFunc(stored, func(h StoredHead) bool { return h.ID == id && h.Draft })
	if i < 0 {
		return StoredHead{}, fmt.Errorf("no draft %d (saved or discarded in another tab?)", id)
	}
	return stored[i], nil
}

// SaveDraft makes draft id a saved head named name ("" → its classes) and the active one,
// and drops the draft. A draft whose file is saved already adds nothing.
func (s *Shelf) SaveDraft(ctx context.Context, id int, name string, nowMs float64) (int, error) {
	d, err := s.draft(ctx, id)
	if err != nil {
		return 0, err
	}
	m, err := headfile.Parse(d.File)
	if err != nil {
		return 0, fmt.Errorf("the draft is damaged: %w", err)
	}
	stored, err := s.Store.ListHeads(ctx)
	if err != nil {
		return 0, fmt.Errorf("the saved heads could not be read: %w", err)
	}
	sum := sha256.Sum256(d.File)
	saved := 0
	for _, h := range stored {
		if !h.Draft && sha256.Sum256(h.File) == sum {
			saved = h.ID
		}
	}
	if saved == 0 {
		if saved, err = s.Store.AddHead(ctx, StoredHead{Name: cleanName(name, m.Classes), CreatedMs: nowMs, File: d.File}); err != nil {
			return 0, fmt.Errorf("the head could not be saved in this browser: %w", err)
		}
	}
	s.dropDrafts(ctx, stored)
	if err := s.Use(ctx, saved); err != nil {
		return saved, err
	}
	return saved, nil
}

// Discard deletes draft id; the head just trained, if it is that draft, stays usable but no
// longer counts as unsaved (leaving the page does not ask).
func (s *Shelf) Discard(ctx context.Context, id int) error {
	d, err := s.draft(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteHead(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trainedFile != nil && sha256.Sum256(s.trainedFile) == sha256.Sum256(d.File) {
		s.discarded = true
	}
	return nil
}
