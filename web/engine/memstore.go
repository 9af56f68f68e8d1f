// memstore.go: in-memory FeatureStore and HeadStore — the native twins of the worker's
// IndexedDB stores (web/worker/idb_js.go), for tests and for the worker's native twin.
package engine

import (
	"context"
	"slices"
	"sync"
)

// MemFeatures is a FeatureStore in a map. Gets and Puts counts the keys asked and stored.
type MemFeatures struct {
	mu         sync.Mutex
	m          map[string][]float32
	Gets, Puts int
}

// NewMemFeatures is an empty store.
func NewMemFeatures() *MemFeatures { return &MemFeatures{m: map[string][]float32{}} }

func (s *MemFeatures) GetFeatures(ctx context.Context, keys []string) ([][]float32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]float32, len(keys))
	for i, k := range keys {
		out[i] = slices.Clone(s.m[k])
	}
	s.Gets += len(keys)
	return out, nil
}

func (s *MemFeatures) PutFeatures(ctx context.Context, keys []string, vecs [][]float32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range keys {
		s.m[k] = slices.Clone(vecs[i])
	}
	s.Puts += len(keys)
	return nil
}

// Len is how many vectors the store holds.
func (s *MemFeatures) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// MemHeads is a HeadStore in a slice.
type MemHeads struct {
	mu    sync.Mutex
	heads []StoredHead
	next  int
}

func (s *MemHeads) ListHeads(ctx context.Context) ([]StoredHead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.heads), nil
}

func (s *MemHeads) AddHead(ctx context.Context, h StoredHead) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	h.ID = s.next
	h.File = slices.Clone(h.File)
	s.heads = append(s.heads, h)
	return h.ID, nil
}

func (s *MemHeads) DeleteHead(ctx context.Context, id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heads = slices.DeleteFunc(s.heads, func(h StoredHead) bool { return h.ID == id })
	return nil
}
