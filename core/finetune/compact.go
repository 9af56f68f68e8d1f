// compact.go: the cached inputs of the first unfrozen block, kept small (cached compactly:
// int8 with scales rather than float32). A block input is a block output of ResNet50, so a
// ReLU's: every value is ≥ 0. It is stored as unsigned 8-bit codes with one float32 scale per
// channel, x ≈ code·scale[c], scale[c] = max_c/255 (round to nearest: error ≤ scale/2, a
// quarter of float16's bytes). A channel that is all zero has scale 0.
//
// Store keeps compact inputs in memory up to a byte budget and recomputes the ones past it on
// every use (through the same compression, so a result does not depend on the budget).
package finetune

import (
	"context"
	"fmt"
	"math"
	"sync"
)

// Compact is one block input [H,W,C] as uint8 codes and per-channel scales.
type Compact struct {
	H, W, C int
	Codes   []uint8   // [H,W,C]
	Scale   []float32 // [C]
}

// Compress codes x [H,W,C], whose values must be finite and ≥ 0 (a ReLU output).
func Compress(x []float32, h, w, c int) (Compact, error) {
	if h < 1 || w < 1 || c < 1 || len(x) != h*w*c {
		return Compact{}, fmt.Errorf("finetune: compress %d values as [%d,%d,%d]", len(x), h, w, c)
	}
	q := Compact{H: h, W: w, C: c, Codes: make([]uint8, len(x)), Scale: make([]float32, c)}
	for i, v := range x {
		if !(v >= 0) || math.IsInf(float64(v), 0) { // also catches NaN
			return Compact{}, fmt.Errorf("finetune: block input value %g at %d: want finite values ≥ 0 (a ReLU output)", v, i)
		}
		q.Scale[i%c] = max(q.Scale[i%c], v)
	}
	inv := make([]float32, c)
	for k, m := range q.Scale {
		q.Scale[k] = m / 255
		if m > 0 {
			inv[k] = 255 / m
		}
	}
	for i, v := range x {
		q.Codes[i] = uint8(min(255, math.Round(float64(v*inv[i%c]))))
	}
	return q, nil
}

// Decode writes the values code·scale into dst [H,W,C].
func (q Compact) Decode(dst []float32) {
	for i, code := range q.Codes {
		dst[i] = float32(code) * q.Scale[i%q.C]
	}
}

// Values is the decoded input [H,W,C], newly allocated.
func (q Compact) Values() []float32 {
	x := make([]float32, len(q.Codes))
	q.Decode(x)
	return x
}

// HasShape reports whether q is a whole input of shape [h,w,c].
func (q Compact) HasShape(h, w, c int) bool {
	return q.H == h && q.W == w && q.C == c && len(q.Codes) == h*w*c && len(q.Scale) == c
}

// Bytes is the memory the codes and scales take.
func (q Compact) Bytes() int64 { return CompactBytes(q.H, q.W, q.C) }

// CompactBytes is what one compact input of shape [h,w,c] takes: a byte per value, a float32
// scale per channel.
func CompactBytes(h, w, c int) int64 { return int64(h*w*c + 4*c) }

// Recompute produces an input again ([H,W,C] float32) when the store could not keep it.
type Recompute func(ctx context.Context, example, view int) ([]float32, error)

// Store holds the block inputs of a data set by (example, view), within Budget bytes.
type Store struct {
	Budget    int64 // bytes of compact inputs kept in memory
	H, W, C   int   // the input shape every entry has
	Recompute Recompute

	mu         sync.Mutex
	kept       map[[2]int]Compact
	used       int64
	recomputed map[[2]int]bool // entries that did not fit: made again on every use
	// Kept and Recomputes count entries held and inputs made again (a page shows them).
	Recomputes int
}

// NewStore makes an empty store for inputs [h,w,c] within budget bytes.
func NewStore(budget int64, h, w, c int, re Recompute) *Store {
	return &Store{Budget: budget, H: h, W: w, C: c, Recompute: re, kept: map[[2]int]Compact{}, recomputed: map[[2]int]bool{}}
}

// EntryBytes is what one input takes in the store.
func (s *Store) EntryBytes() int64 { return CompactBytes(s.H, s.W, s.C) }

// Put offers x [H,W,C] as the input of (example, view). It is compressed and kept while the
// budget allows; otherwise the entry is marked for recomputation. It reports whether it was kept.
func (s *Store) Put(example, view int, x []float32) (bool, error) {
	q, err := Compress(x, s.H, s.W, s.C)
	if err != nil {
		return false, err
	}
	return s.PutCompact(example, view, q)
}

// PutCompact is Put for an input compressed already (the browser's workers send them so).
func (s *Store) PutCompact(example, view int, q Compact) (bool, error) {
	if !q.HasShape(s.H, s.W, s.C) {
		return false, fmt.Errorf("finetune: input [%d,%d,%d], the store holds [%d,%d,%d]", q.H, q.W, q.C, s.H, s.W, s.C)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]int{example, view}
	if old, ok := s.kept[k]; ok {
		s.used -= old.Bytes()
		delete(s.kept, k)
	}
	if s.used+q.Bytes() > s.Budget {
		s.recomputed[k] = true
		return false, nil
	}
	delete(s.recomputed, k)
	s.kept[k] = q
	s.used += q.Bytes()
	return true, nil
}

// Used is the bytes of inputs held; Kept how many entries that is; Spilled how many entries are
// recomputed on use.
func (s *Store) Used() (bytes int64, kept, spilled int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used, len(s.kept), len(s.recomputed)
}

// Input writes the input of (example, view) into dst [H,W,C]: decoded from the store, or made
// again, compressed and decoded (the values a kept entry would give).
func (s *Store) Input(ctx context.Context, example, view int, dst []float32) error {
	s.mu.Lock()
	q, ok := s.kept[[2]int{example, view}]
	s.mu.Unlock()
	if ok {
		q.Decode(dst)
		return nil
	}
	if s.Recompute == nil {
		return fmt.Errorf("finetune: no input for example %d view %d, and no way to compute it", example, view)
	}
	x, err := s.Recompute(ctx, example, view)
	if err != nil {
		return err
	}
	if q, err = Compress(x, s.H, s.W, s.C); err != nil {
		return err
	}
	s.mu.Lock()
	s.Recomputes++
	s.mu.Unlock()
	q.Decode(dst)
	return nil
}
