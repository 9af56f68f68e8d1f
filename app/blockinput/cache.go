// cache.go: a dynamic run's cache between runs, natively (graft train --unfreeze): what one
// trunk pass gives for an image — the pooled features of the head's layer (a dataset.Cache,
// shared with the conservative strategy's runs under the same keys) and the first unfrozen
// block's input (InputDir: one EncodeCompact file per view under BlockInputKey) — so that the
// next run on the same photos, model, layers and resize mode reads them instead of running the
// trunk. The browser keeps the same two things in IndexedDB (web/engine).
package blockinput

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/graftml/graft/core/finetune"
	"os"
	"path/filepath"

	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/resnet50"
)

// InputDir keeps encoded block inputs in a folder: Dir/<2 hex>/<SHA-256 of the key>.gbi, each
// file EncodeCompact's bytes. Files are written under a temporary name and renamed, so a reader
// never sees half a file; a damaged one is a miss and the next Put replaces it.
type InputDir struct{ Dir string }

func (d InputDir) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	name := hex.EncodeToString(sum[:])
	return filepath.Join(d.Dir, name[:2], name+".gbi")
}

// Get reads key's input, or reports a miss (absent, unreadable or damaged).
func (d InputDir) Get(key string) (finetune.Compact, bool) {
	b, err := os.ReadFile(d.path(key))
	if err != nil {
		return finetune.Compact{}, false
	}
	q, err := DecodeCompact(b)
	return q, err == nil
}

// Put stores q under key.
func (d InputDir) Put(key string, q finetune.Compact) error {
	if err := dataset.WriteFileAtomic(d.path(key), EncodeCompact(q)); err != nil {
		return fmt.Errorf("block-input cache: %w", err)
	}
	return nil
}

// Cache is where ExtractDir finds and keeps each image's features and block inputs.
type Cache struct {
	Base     head.Base     // ModelID and Resize name the entries (Layer is the Extractor's)
	Features dataset.Cache // pooled features of the head's layer
	Inputs   InputDir      // the first unfrozen block's inputs

	Hits, Computed int   // images read whole from the cache, and run through the trunk
	PutErr         error // the first write that failed (the run goes on; later runs compute again)
}

func (c *Cache) featureKey(layer, hash string, v dataset.View) dataset.Key {
	return dataset.Key{Content: hash, Model: c.Base.ModelID, Layer: layer, View: v, Resize: c.Base.Resize}
}

// get returns an image's features and block inputs for every view, or ok false when any is
// missing or not of the expected sizes.
func (c *Cache) get(e *Extractor, hash string, views []dataset.View) (feats [][]float32, inputs []finetune.Compact, ok bool) {
	if hash == "" {
		return nil, nil, false
	}
	channels := resnet50.OutputChannels(e.Layer)
	for _, v := range views {
		f, ok := c.Features.Get(c.featureKey(e.Layer, hash, v))
		if !ok || len(f) != channels {
			return nil, nil, false
		}
		q, ok := c.input(e, hash, v)
		if !ok {
			return nil, nil, false
		}
		feats, inputs = append(feats, f), append(inputs, q)
	}
	return feats, inputs, true
}

// input reads one view's block input: a miss unless it has e's input shape.
func (c *Cache) input(e *Extractor, hash string, v dataset.View) (finetune.Compact, bool) {
	q, ok := c.Inputs.Get(BlockInputKey(c.Base, e.Input, hash, v))
	h, w, ch := e.InputShape()
	return q, ok && q.HasShape(h, w, ch)
}

// put keeps an image's results, remembering the first failure instead of stopping the run.
func (c *Cache) put(e *Extractor, hash string, views []dataset.View, feats [][]float32, inputs []finetune.Compact) {
	if hash == "" {
		return
	}
	for i, v := range views {
		err := c.Features.Put(c.featureKey(e.Layer, hash, v), feats[i])
		if err == nil {
			err = c.Inputs.Put(BlockInputKey(c.Base, e.Input, hash, v), inputs[i])
		}
		if err != nil && c.PutErr == nil {
			c.PutErr = err
		}
	}
}
