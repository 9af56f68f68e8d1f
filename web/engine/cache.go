// cache.go: what the on-disk caches hold, and clearing them (the training panel's "Clear
// cached block inputs" / "Clear cached features"). The feature cache keeps one float32 vector
// per image and view (4 KiB at conv4_block6_out); the block-input cache one compact block
// input (201 KiB at conv4_block5_out), so it is the one that grows. Sizes are read from the
// keys (the layer fixes a value's size), so nothing large is read to count them. Entries of
// another model (a new model version, whose id differs) can never be hits again: the model
// worker prunes them when its model loads.
package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/graftml/graft/app/blockinput"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/web/wire"
)

// The caches' names (IndexedDB object stores, web/static/idb.mjs).
const (
	CacheFeatures = "features"
	CacheInputs   = "inputs"
)

// CacheAdmin lists and deletes the keys of a cache.
type CacheAdmin interface {
	CacheKeys(ctx context.Context, cache string) ([]string, error)
	DeleteCacheKeys(ctx context.Context, cache string, keys []string) error
}

// keyField is the value of a key's "name:" field ("" when it has none).
func keyField(key, name string) string {
	for _, f := range strings.Split(key, "|") {
		if v, ok := strings.CutPrefix(f, name+":"); ok {
			return v
		}
	}
	return ""
}

// EntryBytes is what the value under key takes in cache (0 for a key it cannot place).
func EntryBytes(cache, key string) int64 {
	layer := keyField(key, "layer")
	if resnet50.LayerIndex(layer) < 0 || resnet50.OutputChannels(layer) <= 0 {
		return 0
	}
	switch cache {
	case CacheFeatures:
		return 4 * int64(resnet50.OutputChannels(layer))
	case CacheInputs:
		if h, _, _ := blockinput.InputShape(layer); h == 0 {
			return 0
		}
		return int64(blockinput.EncodedBytes(blockinput.InputShape(layer)))
	}
	return 0
}

func count(cache string, keys []string) wire.CacheCount {
	c := wire.CacheCount{Entries: len(keys)}
	for _, k := range keys {
		c.Bytes += EntryBytes(cache, k)
	}
	return c
}

// CacheUsage counts both caches' entries and bytes.
func CacheUsage(ctx context.Context, a CacheAdmin) (wire.CacheStats, error) {
	var st wire.CacheStats
	for _, c := range []struct {
		name string
		to   *wire.CacheCount
	}{{CacheFeatures, &st.Features}, {CacheInputs, &st.Inputs}} {
		keys, err := a.CacheKeys(ctx, c.name)
		if err != nil {
			return st, fmt.Errorf("reading the %s cache: %w", c.name, err)
		}
		*c.to = count(c.name, keys)
	}
	return st, nil
}

// ClearCache deletes every entry of cache and says what that freed.
func ClearCache(ctx context.Context, a CacheAdmin, cache string) (wire.CacheCount, error) {
	return deleteWhere(ctx, a, cache, func(string) bool { return true })
}

// PruneCache deletes the entries of both caches that are not of model modelID (keys of
// another model, or of no model: an older key version), and says what that freed.
func PruneCache(ctx context.Context, a CacheAdmin, modelID string) (wire.CacheCount, error) {
	var freed wire.CacheCount
	for _, cache := range []string{CacheFeatures, CacheInputs} {
		f, err := deleteWhere(ctx, a, cache, func(k string) bool { return keyField(k, "model") != modelID })
		freed.Entries, freed.Bytes = freed.Entries+f.Entries, freed.Bytes+f.Bytes
		if err != nil {
			return freed, err
		}
	}
	return freed, nil
}

func deleteWhere(ctx context.Context, a CacheAdmin, cache string, drop func(string) bool) (wire.CacheCount, error) {
	keys, err := a.CacheKeys(ctx, cache)
	if err != nil {
		return wire.CacheCount{}, fmt.Errorf("reading the %s cache: %w", cache, err)
	}
	var gone []string
	for _, k := range keys {
		if drop(k) {
			gone = append(gone, k)
		}
	}
	if len(gone) == 0 {
		return wire.CacheCount{}, nil
	}
	if err := a.DeleteCacheKeys(ctx, cache, gone); err != nil {
		return wire.CacheCount{}, fmt.Errorf("clearing the %s cache: %w", cache, err)
	}
	return count(cache, gone), nil
}

// CacheOp runs a page's cache operation and answers with the caches' contents after it.
func CacheOp(ctx context.Context, a CacheAdmin, op, modelID string) wire.CacheStats {
	var freed wire.CacheCount
	var err error
	switch op {
	case wire.CacheStatsOp:
	case wire.CacheClearInputs:
		freed, err = ClearCache(ctx, a, CacheInputs)
	case wire.CacheClearFeature:
		freed, err = ClearCache(ctx, a, CacheFeatures)
	case wire.CachePrune:
		freed, err = PruneCache(ctx, a, modelID)
	default:
		err = fmt.Errorf("unknown cache operation %q", op)
	}
	st, serr := CacheUsage(ctx, a)
	st.Op, st.Freed = op, freed
	if err = errors.Join(err, serr); err != nil {
		st.Error = err.Error()
	}
	return st
}
