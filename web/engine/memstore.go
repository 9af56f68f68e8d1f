// memstore.go: in-memory FeatureStore and HeadStore — the native twins of the worker's
// IndexedDB stores (web/worker/idb_js.go), for tests and for the worker's native twin.
package engine

import (
	"context"
	"slices"
	"sync"
)

// MemFeatures is a FeatureStore and a BlockInputStore in maps. Gets and Puts counts the
// feature keys asked and stored, InputGets the block-input keys asked.
type MemFeatures struct {
	mu         sync.Mutex
	m          map[string][]float32
	in         map[string][]byte
	Gets, Puts int
	InputGets  int
}

// NewMemFeatures is an empty store.
func NewMemFeatures() *MemFeatures {
	return &MemFeatures{m: map[string][]float32{}, in: map[string][]byte{}}
}

func (s *MemFeatures) GetBlockInputs(ctx context.Context, keys []string) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = slices.Clone(s.in[k])
	}
	s.InputGets += len(keys)
	return out, nil
}

func (s *MemFeatures) PutBlockInputs(ctx context.Context, keys []string, vals [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range keys {
		s.in[k] = slices.Clone(vals[i])
	}
	return nil
}

// BlockInputKeys lists the block-input keys held (tests damage entries through it).
func (s *MemFeatures) BlockInputKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.in {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// SetBlockInput replaces one entry as it is (tests).
func (s *MemFeatures) SetBlockInput(key string, val []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.in[key] = val
}

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

// CacheKeys lists cache's keys (CacheAdmin).
func (s *MemFeatures) CacheKeys(ctx context.Context, cache string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	switch cache {
	case CacheFeatures:
		for k := range s.m {
			out = append(out, k)
		}
	case CacheInputs:
		for k := range s.in {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

// DeleteCacheKeys deletes keys from cache (CacheAdmin).
func (s *MemFeatures) DeleteCacheKeys(ctx context.Context, cache string, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if cache == CacheFeatures {
			delete(s.m, k)
		} else {
			delete(s.in, k)
		}
	}
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
