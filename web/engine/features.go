// features.go: feature extraction in a worker — one image's pooled features per view into the
// feature cache, through app/dataset's Extractor (FeaturesOfInput: the browser decodes, Go
// does the rest exactly as `graft train` does after its decoder). The cache is IndexedDB in the
// browser (web/worker), keyed by dataset.Key.String(); FeatureStore is its interface, read and
// written in batches because every IndexedDB request is a trip through the event loop.
package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// FeatureStore keeps feature vectors under dataset.Key strings.
type FeatureStore interface {
	// GetFeatures returns one vector per key, nil for a miss.
	GetFeatures(ctx context.Context, keys []string) ([][]float32, error)
	// PutFeatures stores vecs[i] under keys[i].
	PutFeatures(ctx context.Context, keys []string, vecs [][]float32) error
}

// FeatureKey is the cache key of one view of the image whose file has SHA-256 hash.
func FeatureKey(b head.Base, hash string, v dataset.View) string {
	return dataset.Key{Content: hash, Model: b.ModelID, Layer: b.Layer, View: v, Resize: b.Resize}.String()
}

// storeCache is a FeatureStore as a dataset.Cache.
type storeCache struct {
	ctx   context.Context
	store FeatureStore
}

func (c storeCache) Get(k dataset.Key) ([]float32, bool) {
	v, err := c.store.GetFeatures(c.ctx, []string{k.String()})
	if err != nil || len(v) != 1 || v[0] == nil {
		return nil, false
	}
	return v[0], true
}

func (c storeCache) Put(k dataset.Key, f []float32) error {
	return c.store.PutFeatures(c.ctx, []string{k.String()}, [][]float32{f})
}

// Extracted is what one extraction did.
type Extracted struct {
	Hit      bool // every view was cached: the image was not decoded
	Computed int  // views computed and stored
	DecodeMs float64
	ModelMs  float64
}

// Extract makes sure the cache holds every view of one image: it reads the cache first and
// only when something is missing calls decode (the browser's decoder) and runs the network.
// A decode failure comes back wrapping dataset.ErrUndecodable.
func (s *Session) Extract(ctx context.Context, store FeatureStore, b head.Base, views []dataset.View, hash string,
	decode func() (Pixels, error)) (Extracted, error) {
	var out Extracted
	mode, err := s.checkExtract(b)
	if err != nil {
		return out, err
	}
	keys := make([]string, len(views))
	for i, v := range views {
		keys[i] = FeatureKey(b, hash, v)
	}
	cached, err := store.GetFeatures(ctx, keys)
	if err != nil {
		return out, fmt.Errorf("reading the feature cache: %w", err)
	}
	out.Hit = len(cached) == len(keys)
	for _, v := range cached {
		out.Hit = out.Hit && len(v) == b.Features
	}
	if out.Hit {
		return out, nil
	}
	x, model, err := s.prepare(ctx, &out, decode, mode, b.Layer)
	if err != nil {
		return out, err
	}
	t := time.Now()
	ex := &dataset.Extractor{Model: model, ModelID: b.ModelID, Layer: b.Layer, Resize: mode, Cache: storeCache{ctx, store}}
	if _, err := ex.FeaturesOfInput(x.Data, hash, views); err != nil {
		return out, err
	}
	out.Computed = ex.Computed
	out.ModelMs = ms(time.Since(t))
	return out, nil
}

// checkExtract validates an extraction request against this worker's model and returns the
// request's resize mode.
func (s *Session) checkExtract(b head.Base) (preprocess.ResizeMode, error) {
	if err := b.Check(); err != nil {
		return "", err
	}
	if b.ModelID != s.Manifest().Model.ID {
		return "", fmt.Errorf("engine: features of model %s asked of a worker running %s", b.ModelID, s.Manifest().Model.ID)
	}
	return preprocess.ParseResizeMode(b.Resize)
}

// prepare decodes an image (decode failures wrap dataset.ErrUndecodable), prepares it as mode
// resizes, and waits for the model, which must reach layer; out.DecodeMs gets the decoding time.
func (s *Session) prepare(ctx context.Context, out *Extracted, decode func() (Pixels, error), mode preprocess.ResizeMode, layer string) (*tensor.Tensor, *resnet50.Model, error) {
	t0 := time.Now()
	px, err := decode()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", dataset.ErrUndecodable, err)
	}
	x, err := Input(px, mode)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", dataset.ErrUndecodable, err)
	}
	out.DecodeMs = ms(time.Since(t0))
	model, err := s.WaitModel(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := model.CheckLayer(layer); err != nil {
		return nil, nil, err
	}
	return x, model, nil
}

// Pooled is the global-average-pooled output of layer for px prepared with mode: the features
// a head reads (a separate pass, for a head whose resize mode is not the photo's).
func (s *Session) Pooled(ctx context.Context, px Pixels, mode preprocess.ResizeMode, layer string) ([]float32, error) {
	x, err := Input(px, mode)
	if err != nil {
		return nil, err
	}
	model, err := s.WaitModel(ctx)
	if err != nil {
		return nil, err
	}
	ex := &dataset.Extractor{Model: model, Layer: layer, Resize: mode}
	f, err := ex.FeaturesOfInput(x.Data, "", []dataset.View{dataset.ViewOriginal})
	if err != nil {
		return nil, err
	}
	return f[0], nil
}

// IsUndecodable reports whether err is an image's fault (skip it) rather than the worker's.
func IsUndecodable(err error) bool { return errors.Is(err, dataset.ErrUndecodable) }
