// serve.go: the classify service both servers answer POST /api/classify with (the
// HTTP side is server/handler/classify.go). A Service holds one ResNet50 loaded once from a
// built tree's model folder (weights/FORMAT.md: manifest.json + verified chunks, through the
// same format.Loader the page streams with, so int8 kernels stay int8 views of the chunk bytes)
// and, when the build baked one in, a head (dist/head.json, written by
// `server/cmd/builddist head`; the head file itself is app/headfile/FORMAT.md). Classify is what
// `graft classify --model` (ImageNet top-K: preprocess.Load → Run(…, "predictions") →
// imagenet.TopK) and `graft classify --head` (Classifier.Predict) compute, in one forward pass.
// A model that ends before predictions (the partial weights, truncated) still answers the head
// and says why ImageNet's classes are not there. DeployBundle is the zip the page exports for a
// head (the head file and a README with the two deploy commands).
package app

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"io/fs"
	"path"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/imagenet"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/weights/format"
)

// Where a built tree (dist/) keeps what a Service loads.
const (
	ServeModelDir     = "model"     // format.ManifestFile and its chunks
	HeadManifestFile  = "head.json" // HeadManifest; absent when no head was baked in
	DefaultTopK       = 5
	MaxTopK           = imagenet.NumClasses
	maxHeadManifest   = 1 << 20
	defaultDecodeMiB  = 512
	loadChunkParallel = 4
)

// Errors of Classify (the HTTP status each gets is server/handler's business).
var (
	// ErrUndecodable: the bytes claim a supported format but do not decode (truncated, corrupt).
	ErrUndecodable = errors.New("the image could not be decoded")
	// ErrBomb: the header declares an image whose decoded pixels exceed the service's budget.
	ErrBomb = errors.New("decompression bomb")
	// ErrNoHead: the request asked for the head, and none is baked into this build.
	ErrNoHead = errors.New("no head in this build")
	// ErrBadRequest: a request parameter out of range.
	ErrBadRequest = errors.New("bad request")
)

// ServeConfig says where to find the model and head, and the per-request limits.
type ServeConfig struct {
	ModelDir     string // in the tree; "" means ServeModelDir
	HeadManifest string // in the tree; "" means HeadManifestFile; a missing file means no head
	// MaxDecodedBytes bounds the memory the decoded image may take, estimated from the header
	// before any pixel is decoded (decodedBytes); 0 means 512 MiB.
	MaxDecodedBytes int64
	// MaxConcurrent is how many photos are decoded and run at once (each forward pass already
	// uses every core); 0 means 1. The rest wait their turn, so memory does not grow with load.
	MaxConcurrent int
}

// HeadManifest is dist/head.json: the baked-in head file (at a content-hashed path) and what
// the page needs to show it before opening the file.
type HeadManifest struct {
	File      string   `json:"file"`   // path in the tree, e.g. "heads/<sha256[:16]>.grafthead"
	SHA256    string   `json:"sha256"` // of the file's bytes
	Bytes     int      `json:"bytes"`
	Title     string   `json:"title"` // the head file's name without extension, unless given
	Classes   []string `json:"classes"`
	ModelID   string   `json:"model_id"` // the base model it must run on
	Layer     string   `json:"layer"`    // the layer whose output it reads
	Resize    string   `json:"resize"`
	OpenSet   bool     `json:"open_set"`            // it can say "none of these"
	Threshold *float64 `json:"threshold,omitempty"` // the open set's threshold
}

// NewHeadManifest checks a head file and describes it; file is where it will lie in the tree.
func NewHeadManifest(data []byte, file, title string) (*HeadManifest, *Classifier, error) {
	if len(data) > headfile.MaxFileBytes {
		return nil, nil, fmt.Errorf("head file is %d bytes, over the format's %d", len(data), headfile.MaxFileBytes)
	}
	m, err := headfile.Parse(data)
	if err != nil {
		return nil, nil, err
	}
	c, err := NewClassifier(m)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(data)
	hm := &HeadManifest{File: file, SHA256: hex.EncodeToString(sum[:]), Bytes: len(data), Title: title,
		Classes: m.Classes, ModelID: m.Base.ModelID, Layer: c.InputLayer(), Resize: m.Base.Resize}
	if o := m.OpenSet; o != nil {
		t := float64(o.Threshold)
		hm.OpenSet, hm.Threshold = true, &t
	}
	return hm, c, nil
}

// Service classifies photos with one model and an optional head; safe for concurrent use.
type Service struct {
	model     *resnet50.Model
	modelID   string
	synthetic bool
	head      *Classifier
	headInfo  *HeadManifest
	maxBytes  int64
	slots     chan struct{}
}

// LoadService reads the model (and the head, if head.json is there) from fsys.
func LoadService(fsys fs.FS, cfg ServeConfig) (*Service, error) {
	dir := cfg.ModelDir
	if dir == "" {
		dir = ServeModelDir
	}
	model, l, err := loadModel(fsys, dir)
	if err != nil {
		return nil, err
	}
	s := &Service{model: model, modelID: l.Manifest().Model.ID, synthetic: l.Synthetic(),
		maxBytes: cfg.MaxDecodedBytes, slots: make(chan struct{}, max(1, cfg.MaxConcurrent))}
	if s.maxBytes <= 0 {
		s.maxBytes = defaultDecodeMiB << 20
	}
	hm := cfg.HeadManifest
	if hm == "" {
		hm = HeadManifestFile
	}
	if err := s.loadHead(fsys, hm); err != nil {
		return nil, err
	}
	return s, nil
}

// loadModel reads dir/manifest.json and its chunks (a few at a time: in the Worker each read is
// a fetch from the assets binding) into a format.Loader and builds the model on it.
func loadModel(fsys fs.FS, dir string) (*resnet50.Model, *format.Loader, error) {
	raw, err := readLimited(fsys, path.Join(dir, format.ManifestFile), format.MaxManifestBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	l, err := format.NewLoader(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	files := l.Pending()
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range loadChunkParallel {
		wg.Go(func() {
			for i := range next {
				data, err := readLimited(fsys, path.Join(dir, files[i]), format.MaxChunkBytes)
				if err == nil {
					_, err = l.AddChunk(files[i], data)
				}
				errs[i] = err
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	m, err := resnet50.New(l, resnet50.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	return m, l, nil
}

// loadHead reads the head manifest and the head file it names, checking hash, model and layer.
func (s *Service) loadHead(fsys fs.FS, name string) error {
	raw, err := readLimited(fsys, name, maxHeadManifest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("head: %w", err)
	}
	var want HeadManifest
	if err := json.Unmarshal(raw, &want); err != nil {
		return fmt.Errorf("head: %s: %w", name, err)
	}
	data, err := readLimited(fsys, want.File, headfile.MaxFileBytes)
	if err != nil {
		return fmt.Errorf("head: %w", err)
	}
	got, c, err := NewHeadManifest(data, want.File, want.Title)
	if err != nil {
		return fmt.Errorf("head %s: %w", want.File, err)
	}
	if got.SHA256 != want.SHA256 {
		return fmt.Errorf("head %s: SHA-256 %s, %s says %s", want.File, got.SHA256, name, want.SHA256)
	}
	if err := c.Model.CheckBase(s.modelID, c.Model.Base.Layer); err != nil {
		return fmt.Errorf("head %s: %w", want.File, err)
	}
	if err := s.model.CheckLayer(c.InputLayer()); err != nil {
		return fmt.Errorf("head %s: %w", want.File, err)
	}
	s.head, s.headInfo = c, got
	return nil
}

// readLimited reads a file of fsys, refusing one over limit bytes.
func readLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: over %d bytes", name, limit)
	}
	return b, nil
}

// ModelID is the loaded model's id (manifest model.id).
func (s *Service) ModelID() string { return s.modelID }

// Model is the loaded network.
func (s *Service) Model() *resnet50.Model { return s.model }

// Head describes the baked-in head; nil when there is none.
func (s *Service) Head() *HeadManifest { return s.headInfo }

// ClassifyOptions is what a request asks for.
type ClassifyOptions struct {
	Top  int   // ImageNet classes to return, 0..MaxTopK (0: none)
	Head *bool // nil: the head when there is one; false: not; true: the head, or ErrNoHead
}

// ClassifyResult is the answer, as /api/classify writes it.
type ClassifyResult struct {
	Model     string `json:"model"`     // manifest model.id
	Synthetic bool   `json:"synthetic"` // some weights are a seeded fill: ImageNet classes are not meaningful
	Resize    string `json:"resize"`    // preprocess mode used ("crop", or the head's)
	Format    string `json:"format"`    // the photo's format ("jpeg", "png", "gif", "webp")
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	// ImageNet is the top-K of decode_predictions; null when not asked for or unavailable
	// (ImageNetUnavailable then says why).
	ImageNet            []ImageNetClass `json:"imagenet"`
	ImageNetUnavailable string          `json:"imagenet_unavailable,omitempty"`
	Head                *HeadAnswer     `json:"head"` // null without a head (or with ?head=0)
	Timings             Timings         `json:"timings_ms"`
}

// ImageNetClass is one of decode_predictions' (synset, name, probability) rows.
type ImageNetClass struct {
	Index  int     `json:"index"`
	Synset string  `json:"synset"`
	Name   string  `json:"name"`
	Prob   float32 `json:"prob"`
}

// HeadAnswer is the head's verdict, as `graft classify --head --json` prints it.
type HeadAnswer struct {
	Title     string      `json:"title"`
	Class     string      `json:"class"`
	Prob      float32     `json:"prob"`
	Unknown   bool        `json:"unknown"`             // none of its classes (open set)
	Score     *float64    `json:"score,omitempty"`     // open-set score
	Threshold *float64    `json:"threshold,omitempty"` // scores above it are unknown
	Nearest   string      `json:"nearest,omitempty"`
	Classes   []ClassProb `json:"classes"` // every class, in the head's order
}

// ClassProb is one head class and its probability.
type ClassProb struct {
	Class string  `json:"class"`
	Prob  float32 `json:"prob"`
}

// Timings are milliseconds spent: waiting for a slot, decoding and preprocessing, the network.
type Timings struct {
	Queue   float64 `json:"queue"`
	Decode  float64 `json:"decode"`
	Network float64 `json:"network"`
	Total   float64 `json:"total"`
}

// Classify answers for one photo's bytes. The bytes are only read: nothing is kept or logged.
func (s *Service) Classify(photo []byte, opts ClassifyOptions) (*ClassifyResult, error) {
	start := time.Now()
	if opts.Top < 0 || opts.Top > MaxTopK {
		return nil, fmt.Errorf("%w: top=%d, want 0..%d", ErrBadRequest, opts.Top, MaxTopK)
	}
	useHead := s.head != nil
	if opts.Head != nil {
		if *opts.Head && s.head == nil {
			return nil, ErrNoHead
		}
		useHead = *opts.Head
	}
	mode := preprocess.DefaultResize
	if useHead {
		mode = preprocess.ResizeMode(s.head.Model.Base.Resize)
	}
	cfg, formatName, err := s.checkHeader(photo)
	if err != nil {
		return nil, err
	}
	s.slots <- struct{}{}
	defer func() { <-s.slots }()
	queued := time.Now()
	pixels, err := preprocess.Load(photo, mode, resnet50.InputSize)
	if err != nil {
		return nil, classifyDecodeError(err)
	}
	x, err := tensor.FromData(pixels, 1, resnet50.InputSize, resnet50.InputSize, 3)
	if err != nil {
		return nil, err
	}
	decoded := time.Now()
	r := &ClassifyResult{Model: s.modelID, Synthetic: s.synthetic, Resize: string(mode), Format: formatName,
		Width: cfg.Width, Height: cfg.Height}
	if err := s.run(x, opts.Top, useHead, r); err != nil {
		return nil, err
	}
	done := time.Now()
	r.Timings = Timings{Queue: ms(queued.Sub(start)), Decode: ms(decoded.Sub(queued)), Network: ms(done.Sub(decoded)), Total: ms(done.Sub(start))}
	return r, nil
}

// run makes one forward pass: to predictions when ImageNet classes are wanted and the model has
// them, else to the head's layer; the head reads its layer on the way (observe).
func (s *Service) run(x *tensor.Tensor, top int, useHead bool, r *ClassifyResult) error {
	stop := ""
	if top > 0 {
		if err := s.model.CheckLayer("predictions"); err != nil {
			r.ImageNetUnavailable = fmt.Sprintf("this model ends at %s, before ImageNet's predictions (convert the full weights, or with --missing synthetic for a labelled fill)", s.model.LastLayer())
		} else {
			stop = "predictions"
		}
	}
	var headLayer string
	if useHead {
		headLayer = s.head.InputLayer()
		if stop == "" {
			stop = headLayer
		}
	}
	if stop == "" {
		return nil
	}
	var headErr error
	var p *Prediction
	out, err := s.model.Run(x, stop, func(layer string, t *tensor.Tensor) {
		if useHead && layer == headLayer && p == nil {
			p, headErr = s.head.Predict(layer, t)
		}
	})
	if err != nil {
		return err
	}
	if useHead && p == nil && headErr == nil && stop == headLayer {
		p, headErr = s.head.Predict(headLayer, out)
	}
	if headErr != nil {
		return headErr
	}
	if useHead {
		if p == nil {
			return fmt.Errorf("app: the forward pass never produced %s", headLayer)
		}
		r.Head = s.headAnswer(p)
	}
	if stop == "predictions" {
		topk, err := imagenet.TopK(out.Data, top)
		if err != nil {
			return err
		}
		r.ImageNet = make([]ImageNetClass, len(topk))
		for i, c := range topk {
			r.ImageNet[i] = ImageNetClass{c.Index, c.Synset, c.Name, c.Prob}
		}
	}
	return nil
}

func (s *Service) headAnswer(p *Prediction) *HeadAnswer {
	classes := s.head.Model.Classes
	a := &HeadAnswer{Title: s.headInfo.Title, Class: classes[p.Best], Prob: p.Probs[p.Best], Unknown: p.Unknown}
	if p.Checked {
		score, threshold := p.Score, p.Threshold
		a.Score, a.Threshold, a.Nearest = &score, &threshold, classes[p.Nearest]
	}
	for i, c := range classes {
		a.Classes = append(a.Classes, ClassProb{c, p.Probs[i]})
	}
	return a
}

// checkHeader reads the image header and refuses, before decoding, an image whose pixels would
// take more than the service's budget.
func (s *Service) checkHeader(photo []byte) (image.Config, string, error) {
	cfg, formatName, err := image.DecodeConfig(bytes.NewReader(photo))
	if err != nil {
		// preprocess says it best: not an image (and what it looks like), or a broken header.
		_, err = preprocess.Load(photo, preprocess.DefaultResize, resnet50.InputSize)
		if err == nil {
			err = fmt.Errorf("%w: unreadable header", ErrUndecodable)
		}
		return cfg, formatName, classifyDecodeError(err)
	}
	need := decodedBytes(cfg, formatName)
	if need > s.maxBytes {
		return cfg, formatName, fmt.Errorf("%w: the %s header says %d×%d (%.1f Mpx), which would take ~%d MiB to decode, over this server's %d MiB",
			ErrBomb, formatName, cfg.Width, cfg.Height, float64(cfg.Width)*float64(cfg.Height)/1e6, need>>20, s.maxBytes>>20)
	}
	return cfg, formatName, nil
}

// classifyDecodeError maps preprocess errors onto the service's.
func classifyDecodeError(err error) error {
	switch {
	case errors.Is(err, preprocess.ErrNotImage), errors.Is(err, ErrUndecodable):
		return err
	case errors.Is(err, preprocess.ErrTooLarge):
		return fmt.Errorf("%w: %v", ErrBomb, err)
	}
	return fmt.Errorf("%w: %s", ErrUndecodable, strings.TrimPrefix(err.Error(), "preprocess: "))
}

// decodedBytes estimates the memory a decoder takes for the image the header describes: the
// bytes per pixel of the colour model it will return, and for JPEG the RGBA copy that turning a
// photo upright (EXIF orientation, core/preprocess) makes.
func decodedBytes(cfg image.Config, formatName string) int64 {
	bpp := 4.0
	switch cfg.ColorModel {
	case color.YCbCrModel:
		bpp = 1.5 // 4:2:0, what cameras and encoders write
	case color.NYCbCrAModel:
		bpp = 2.5
	case color.GrayModel:
		bpp = 1
	case color.Gray16Model:
		bpp = 2
	case color.RGBA64Model, color.NRGBA64Model:
		bpp = 8
	case color.CMYKModel:
		bpp = 4
	}
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		bpp = 1
	}
	if formatName == "jpeg" {
		bpp += 4
	}
	return int64(float64(cfg.Width) * float64(cfg.Height) * bpp)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// DeployBundle is the ready-to-deploy bundle the page offers for a head: a zip
// of the head file (name.grafthead) and a README with the two commands that put it on a URL.
// name is a file name without extension ("my-classifier"); the head must parse.
func DeployBundle(head []byte, name string) ([]byte, error) {
	hm, _, err := NewHeadManifest(head, name+".grafthead", name)
	if err != nil {
		return nil, err
	}
	if name == "" || strings.ContainsAny(name, "/\\:") || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("bundle name %q: want a plain file name", name)
	}
	readme := fmt.Sprintf(`# %s: deploy this classifier

Classes: %s (reads %s of model %s, %s resize%s).

In a Graft checkout built with the same weights (its dist/model/manifest.json has model.id %s):

    ./build.sh worker --head %s.grafthead
    npx wrangler login && npx wrangler deploy

Then: curl -F photo=@photo.jpg https://<your worker>.workers.dev/api/classify
(Workers Paid plan: a photo takes ~0.2 s of CPU. ./build.sh serve --head %s.grafthead runs it locally.)
`, name, strings.Join(hm.Classes, ", "), hm.Layer, hm.ModelID, hm.Resize, openSetNote(hm), hm.ModelID, name, name)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{name + ".grafthead", head}, {"README.md", []byte(readme)}} {
		w, err := zw.Create(name + "/" + f.name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func openSetNote(hm *HeadManifest) string {
	if hm.OpenSet {
		return fmt.Sprintf("; says 'none of these' above a score of %.3g", *hm.Threshold)
	}
	return ""
}

// MemStats is what /api/stats reports: the Go heap, and Sys, the memory Go took from the system
// (in a Worker, the wasm linear memory, which never shrinks: its high-water mark).
type MemStats struct {
	SysBytes       uint64 `json:"sys_bytes"`
	HeapInuseBytes uint64 `json:"heap_inuse_bytes"`
	HeapSysBytes   uint64 `json:"heap_sys_bytes"`
	NumGC          uint32 `json:"num_gc"`
}

// ReadMemStats reads the runtime's figures.
func ReadMemStats() MemStats {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return MemStats{m.Sys, m.HeapInuse, m.HeapSys, m.NumGC}
}
