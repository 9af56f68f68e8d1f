// Package engine is what the browser's model Web Worker does, as plain Go that also runs and is
// tested natively: a Session takes the model's manifest and then its chunks in any order
// (weights/format.Loader verifies each), builds ResNet50 once the layers are in, and classifies
// photos the browser decoded to RGBA, with exactly the native path after decoding:
// preprocess.FromRGBA → Resize → CaffeBGR → resnet50 → imagenet.TopK (what `graft classify`
// runs after its own decoder). Download (download.go) feeds a Session from the network and a
// chunk store (the Cache API in the browser). The syscall/js binding is web/worker; the message
// types are web/wire. The format it streams is weights/FORMAT.md; the kernels, wasm/gen/README.md.
//
// Axis vocabulary: H, W pixels; C = 3 channels; network input [1,224,224,3] NHWC, BGR, caffe.
package engine

import (
	"context"
	"errors"
	"fmt"
	"github.com/graftml/graft/app"
	"sync"
	"time"

	"github.com/graftml/graft/core/imagenet"
	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/web/wire"
	"github.com/graftml/graft/weights/format"
)

// TopK is how many labels a result shows (Keras decode_predictions(top=5)).
const TopK = 5

// ErrNoClassifier: the model served has no predictions layer (a truncated conversion).
var ErrNoClassifier = errors.New("engine: this model has no classifier")

// Session is one model being loaded and used. It is safe for concurrent use; in the browser
// the worker's goroutines (downloads, classify requests) share one.
type Session struct {
	loader       *format.Loader
	featureLayer string // last output layer with real weights only (what `graft features` would print)

	mu       sync.Mutex
	model    *resnet50.Model
	modelErr error
	ready    chan struct{} // closed once model or modelErr is set
	build    time.Duration // how long building the model took
	arrived  chan struct{} // closed, and replaced, each time a chunk is added (stream.go)
	yield    func()        // SetYield's, or nil

	explainer *app.ImageNetExplainer // built on the first explained photo (its float32 classifier: 8 MB)
}

// NewSession parses and validates manifest.json.
func NewSession(manifest []byte) (*Session, error) {
	l, err := format.NewLoader(manifest)
	if err != nil {
		return nil, err
	}
	m := l.Manifest()
	if m.Model.LastLayer != "predictions" {
		// Nothing to wait for: classification can never run. Features still could.
		s := &Session{loader: l, featureLayer: RealFeatureLayer(m), ready: make(chan struct{}), arrived: make(chan struct{})}
		s.modelErr = fmt.Errorf("%w: it ends at %s (converted with --missing truncate); convert with --missing synthetic for a top-5", ErrNoClassifier, m.Model.LastLayer)
		close(s.ready)
		return s, nil
	}
	return &Session{loader: l, featureLayer: RealFeatureLayer(m), ready: make(chan struct{}), arrived: make(chan struct{})}, nil
}

// Manifest is the parsed manifest (read-only).
func (s *Session) Manifest() *format.Manifest { return s.loader.Manifest() }

// Loader is the verifying chunk loader underneath.
func (s *Session) Loader() *format.Loader { return s.loader }

// FeatureLayer is the last output layer whose weights are all real (not synthetic).
func (s *Session) FeatureLayer() string { return s.featureLayer }

// AddChunk verifies one chunk (format.Loader.AddChunk) and builds the model when the last
// needed chunk arrives. A refused chunk returns a *format.ChunkError and changes nothing.
func (s *Session) AddChunk(file string, data []byte) (format.Progress, error) {
	p, err := s.loader.AddChunk(file, data)
	if err != nil {
		return p, err
	}
	if p.LastLayer == "predictions" {
		s.buildModel()
	}
	s.chunkArrived()
	return p, nil
}

// buildModel makes the model once every layer it needs is verified.
func (s *Session) buildModel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.model != nil || s.modelErr != nil {
		return
	}
	start := time.Now()
	model, err := resnet50.New(s.loader, resnet50.Options{})
	s.build = time.Since(start)
	if err == nil && model.LastLayer() != "predictions" { // the loader said it was complete
		err = fmt.Errorf("engine: model built from %s ends at %s", s.Manifest().Model.ID, model.LastLayer())
	}
	if err != nil {
		s.modelErr = err
	} else {
		s.model = model
	}
	close(s.ready)
}

// Abort makes a model that is not built yet fail with err: Classify calls waiting for it (and
// later ones) return err. The Downloader calls it when a load stops for good.
func (s *Session) Abort(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.model != nil || s.modelErr != nil {
		return
	}
	s.modelErr = fmt.Errorf("the model could not be loaded: %w", err)
	close(s.ready)
}

// BuildTime is how long building the model from the verified chunks took (0 before).
func (s *Session) BuildTime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.build
}

// Ready reports whether the model is built (Classify will not wait).
func (s *Session) Ready() bool {
	select {
	case <-s.ready:
		return s.modelErr == nil
	default:
		return false
	}
}

// WaitModel blocks until the model's layers are all in, or ctx ends.
func (s *Session) WaitModel(ctx context.Context) (*resnet50.Model, error) {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.model, s.modelErr
}

// Pixels is a photo the browser decoded: 8-bit RGBA, straight alpha, row-major, Stride bytes per
// row (a canvas ImageData has Stride = 4·Width).
type Pixels struct {
	RGBA          []byte
	Width, Height int
	Stride        int
}

// Input turns decoded pixels into the network input [1,224,224,3] (BGR, caffe), exactly as
// `graft classify` does after decoding a file (preprocess.Load without its decoder).
func Input(px Pixels, mode preprocess.ResizeMode) (*tensor.Tensor, error) {
	img, err := preprocess.FromRGBA(px.RGBA, px.Width, px.Height, px.Stride)
	if err != nil {
		return nil, err
	}
	rgb, err := preprocess.Resize(img, mode, resnet50.InputSize)
	if err != nil {
		return nil, err
	}
	return tensor.FromData(preprocess.CaffeBGR(rgb), 1, resnet50.InputSize, resnet50.InputSize, 3)
}

// Classify preprocesses px, waits (if needed) until the model's layers have arrived, runs
// ResNet50 and returns the top-5 with timings. The engine name is the caller's to fill in.
func (s *Session) Classify(ctx context.Context, px Pixels, mode preprocess.ResizeMode) (*wire.Result, error) {
	r, _, err := s.ClassifyPooling(ctx, px, mode, "")
	return r, err
}

// ClassifyPooling is Classify that also returns the pooled output of layer from the same
// forward pass (nil when layer is ""): the features a trained head reads.
func (s *Session) ClassifyPooling(ctx context.Context, px Pixels, mode preprocess.ResizeMode, layer string) (*wire.Result, []float32, error) {
	r, t, err := s.ClassifyObserving(ctx, px, mode, layer)
	if err != nil || t == nil {
		return r, nil, err
	}
	return r, pool(t), nil
}

// ClassifyObserving is Classify that also returns a copy of layer's output [1,H,W,C] from the
// same forward pass (nil when layer is ""): what a fine-tuned model's blocks read.
func (s *Session) ClassifyObserving(ctx context.Context, px Pixels, mode preprocess.ResizeMode, layer string) (*wire.Result, *tensor.Tensor, error) {
	return s.ClassifyExplaining(ctx, px, mode, layer, false)
}

// ClassifyExplaining is ClassifyObserving that, with explain, also gives the result the
// ImageNet top-1's Grad-CAM map (Result.Heat) over conv5_block3_out of the same forward pass.
func (s *Session) ClassifyExplaining(ctx context.Context, px Pixels, mode preprocess.ResizeMode, layer string, explain bool) (*wire.Result, *tensor.Tensor, error) {
	t0 := time.Now()
	x, err := Input(px, mode)
	if err != nil {
		return nil, nil, err
	}
	t1 := time.Now()
	var observed, conv5 *tensor.Tensor
	run, err := s.runAsLayersArrive(ctx, x, "predictions", func(name string, t *tensor.Tensor) {
		if name == layer {
			observed = t.Clone()
		}
		if explain && name == app.ImageNetLayer {
			conv5 = t.Clone()
		}
	})
	if err != nil {
		return nil, nil, err
	}
	model, probs := run.model, run.out
	t3 := time.Now()
	t2 := t3.Add(-run.compute) // the wait is what the layers' compute does not account for
	top, err := imagenet.TopK(probs.Data, TopK)
	if err != nil {
		return nil, nil, err
	}
	r := &wire.Result{
		Resize: string(mode), ResizeText: mode.Description(), Synthetic: s.loader.Synthetic(),
		Width: px.Width, Height: px.Height,
		PreprocessMs: ms(t1.Sub(t0)), WaitMs: ms(t2.Sub(t1)), ModelMs: ms(t3.Sub(t2)),
		StreamedLayers: run.early,
	}
	for _, p := range top {
		r.Top5 = append(r.Top5, wire.Prediction{Index: p.Index, Synset: p.Synset, Name: p.Name, Prob: p.Prob})
	}
	if layer != "" && observed == nil {
		return nil, nil, fmt.Errorf("engine: the model has no layer %q", layer)
	}
	if conv5 != nil && len(top) > 0 {
		if r.Heat, err = s.explainTop1(model, conv5, top[0].Index); err != nil {
			return nil, nil, err
		}
		r.Heat.Resize = string(mode)
	}
	return r, observed, nil
}

// explainTop1 is ImageNet class's map over conv5 [1,7,7,2048].
func (s *Session) explainTop1(model *resnet50.Model, conv5 *tensor.Tensor, class int) (*wire.HeatMap, error) {
	s.mu.Lock()
	if s.explainer == nil {
		e, err := app.NewImageNetExplainer(model)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		s.explainer = e
	}
	ex := s.explainer
	s.mu.Unlock()
	e, err := ex.Explain(conv5, class)
	if err != nil {
		return nil, fmt.Errorf("engine: explaining ImageNet's answer: %w", err)
	}
	return &wire.HeatMap{Class: e.Class, H: e.H, W: e.W, Map: e.Map, Peak: e.Peak}, nil
}

// pool is a layer's output as pooled features: [1,H,W,C] → [C], or a copy of [1,C] (avg_pool),
// which the observer must not keep.
func pool(t *tensor.Tensor) []float32 {
	if len(t.Shape) == 4 {
		return ops.GlobalAvgPool(t).Data
	}
	return append([]float32(nil), t.Data...)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
