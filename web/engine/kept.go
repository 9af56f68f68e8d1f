// kept.go: the feature cache when the browser's storage refuses or fails part-way. An entry
// is complete only with its checksum (SealFeatures: CRC-32 of its key and bytes, stored in the
// same IndexedDB transaction as the vector, web/static/idb.mjs), so a vector cut short, one
// without its checksum or one under another key is a miss and its photo is extracted again
// (OpenFeatures). KeptFeatures keeps in this worker's memory what the store would not take
// (quota exceeded, IndexedDB missing in a private window) and says so, so that training goes
// on with every photo and the page can say what was not kept.
package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"strings"
	"sync"
)

// SealFeatures is the checksum stored beside the vector f under key.
func SealFeatures(key string, f []float32) uint32 {
	h := crc32.NewIEEE()
	h.Write([]byte(key))
	var b [4]byte
	for _, x := range f {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
		h.Write(b[:])
	}
	return h.Sum32()
}

// OpenFeatures is the vector f read back under key with its checksum sum, or nil when the
// entry is not complete: no checksum (sealed false), another checksum, or no vector.
func OpenFeatures(key string, f []float32, sum uint32, sealed bool) []float32 {
	if !sealed || f == nil || SealFeatures(key, f) != sum {
		return nil
	}
	return f
}

// KeptFeatures is a FeatureStore over Store that does not fail when Store refuses: a vector
// Store would not keep stays in memory here, and a read Store cannot answer is a miss (or
// what memory holds).
type KeptFeatures struct {
	Store FeatureStore

	mu      sync.Mutex
	mem     map[string][]float32
	unkept  []string // keys kept only in memory since the last TakeUnkept
	refused error    // Store's last refusal to keep a vector
}

// NewKeptFeatures wraps store.
func NewKeptFeatures(store FeatureStore) *KeptFeatures {
	return &KeptFeatures{Store: store, mem: map[string][]float32{}}
}

func (k *KeptFeatures) GetFeatures(ctx context.Context, keys []string) ([][]float32, error) {
	out, err := k.Store.GetFeatures(ctx, keys)
	if err != nil || len(out) != len(keys) {
		out = make([][]float32, len(keys))
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, key := range keys {
		if out[i] == nil {
			out[i] = k.mem[key]
		}
	}
	return out, nil
}

func (k *KeptFeatures) PutFeatures(ctx context.Context, keys []string, vecs [][]float32) error {
	err := k.Store.PutFeatures(ctx, keys, vecs)
	if err == nil {
		return nil
	}
	k.Keep(keys, vecs)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.refused = err
	k.unkept = append(k.unkept, keys...)
	return nil
}

// Keep holds vectors in memory only (another worker's, which its store would not keep).
func (k *KeptFeatures) Keep(keys []string, vecs [][]float32) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, key := range keys {
		if i < len(vecs) && vecs[i] != nil {
			k.mem[key] = vecs[i]
		}
	}
}

// TakeUnkept returns the vectors held in memory since the last call because the store refused
// them, and why it did (reason "" when it took everything). With forget, memory lets them go
// (a pool worker that hands them to the model worker).
func (k *KeptFeatures) TakeUnkept(forget bool) (keys []string, vecs [][]float32, reason string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	keys, k.unkept = k.unkept, nil
	if len(keys) == 0 {
		return nil, nil, ""
	}
	vecs = make([][]float32, len(keys))
	for i, key := range keys {
		vecs[i] = k.mem[key]
		if forget {
			delete(k.mem, key)
		}
	}
	return keys, vecs, RefusalReason(k.refused)
}

// Held is how many vectors memory holds.
func (k *KeptFeatures) Held() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.mem)
}

// RefusalReason says in words why the browser would not keep something.
func RefusalReason(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	if strings.Contains(strings.ToLower(msg), "quota") {
		return "storage full"
	}
	return msg
}

// GetBlockInputs reads Store's block inputs (the dynamic strategy's; not kept in memory: a
// refused one stops the extraction with the browser's message).
func (k *KeptFeatures) GetBlockInputs(ctx context.Context, keys []string) ([][]byte, error) {
	in, ok := k.Store.(BlockInputStore)
	if !ok {
		return nil, errNoBlockInputs
	}
	return in.GetBlockInputs(ctx, keys)
}

// PutBlockInputs stores block inputs in Store.
func (k *KeptFeatures) PutBlockInputs(ctx context.Context, keys []string, vals [][]byte) error {
	in, ok := k.Store.(BlockInputStore)
	if !ok {
		return errNoBlockInputs
	}
	return in.PutBlockInputs(ctx, keys, vals)
}

var errNoBlockInputs = errors.New("engine: the feature store keeps no block inputs")
