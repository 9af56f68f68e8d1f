// The streaming reader (weights/FORMAT.md §Reading): parse the manifest, then hand it chunks in
// any order as they arrive. Each chunk is checked (known name, exact length, SHA-256) before it
// is kept; a bad one is refused with an error naming it and changes nothing. The Loader says
// which tensors and layers each chunk completed, and serves complete ones to resnet50.New as a
// resnet50.FoldedSource and resnet50.QuantizedSource (int8 kernels handed out as stored, so the
// model keeps them int8), so a model can run the layers that have arrived while the rest stream.
// The same code runs natively (LoadDir) and in the browser (the wasm build feeds fetched chunks).
package format

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights/quant"
)

// Chunk errors; a *ChunkError wraps one of them.
var (
	ErrUnknownChunk = errors.New("not a chunk of this model")
	ErrChunkLength  = errors.New("wrong length (truncated or padded)")
	ErrChunkHash    = errors.New("SHA-256 mismatch (corrupt)")
)

// ChunkError is AddChunk's refusal of one chunk file.
type ChunkError struct {
	File string // the name given to AddChunk
	Err  error  // ErrUnknownChunk, ErrChunkLength or ErrChunkHash, with details
}

func (e *ChunkError) Error() string { return "chunk " + e.File + ": " + e.Err.Error() }
func (e *ChunkError) Unwrap() error { return e.Err }

// Progress is where loading stands, and what the latest chunk completed.
type Progress struct {
	Tensors     []string // tensors this chunk completed, table order ("conv1_conv/kernel:0")
	Layers      []string // layers this chunk completed, execution order ("conv1_conv")
	LastLayer   string   // last output layer computable now ("" until conv1 is complete)
	ChunksDone  int
	ChunksTotal int
	BytesDone   int64
	BytesTotal  int64
}

// Loader collects a model's chunks. It is safe for concurrent use.
type Loader struct {
	mu       sync.Mutex
	m        *Manifest
	starts   []int64          // payload offset of each chunk; last element = payload size
	data     [][]byte         // verified bytes per chunk, nil until verified
	byFile   map[string][]int // chunk file → its indices in the table (equal contents share a file)
	tensorOK []bool
	layerOK  []bool
	done     int
	bytes    int64
	hash     Hasher // nil: crypto/sha256
}

// Hasher computes a chunk's SHA-256 another way (the browser's crypto.subtle.digest). An error
// means it could not (no WebCrypto here): AddChunk then hashes with crypto/sha256, so a Hasher
// changes how fast a chunk verifies, never whether it does.
type Hasher func(data []byte) ([sha256.Size]byte, error)

// SetHasher makes AddChunk hash with h (nil: crypto/sha256). Call it before adding chunks.
func (l *Loader) SetHasher(h Hasher) { l.hash = h }

// sum is data's SHA-256: the Hasher's, or crypto/sha256's when there is none or it fails.
func (l *Loader) sum(data []byte) [sha256.Size]byte {
	if l.hash != nil {
		if s, err := l.hash(data); err == nil {
			return s
		}
	}
	return sha256.Sum256(data)
}

// NewLoader parses and validates manifest.json.
func NewLoader(manifest []byte) (*Loader, error) {
	m, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	l := &Loader{m: m, starts: make([]int64, len(m.Chunks)+1), data: make([][]byte, len(m.Chunks)),
		byFile: map[string][]int{}, tensorOK: make([]bool, len(m.Tensors)), layerOK: make([]bool, len(m.Layers))}
	for i, c := range m.Chunks {
		l.starts[i+1] = l.starts[i] + c.Bytes
		l.byFile[c.File] = append(l.byFile[c.File], i)
	}
	return l, nil
}

// Manifest is the parsed manifest; callers must not change it.
func (l *Loader) Manifest() *Manifest { return l.m }

// AddChunk verifies one chunk file and keeps it (data is kept, not copied: do not change it
// afterwards). A chunk already verified is accepted again without effect. A refused chunk
// returns a *ChunkError and leaves the loader as it was.
func (l *Loader) AddChunk(file string, data []byte) (Progress, error) {
	idx, ok := l.byFile[file] // byFile is never written after NewLoader
	if !ok {
		return l.Progress(), &ChunkError{file, fmt.Errorf("%w %s", ErrUnknownChunk, l.m.Model.ID)}
	}
	c := l.m.Chunks[idx[0]]
	if int64(len(data)) != c.Bytes {
		return l.Progress(), &ChunkError{file, fmt.Errorf("%w: %d bytes, the manifest says %d", ErrChunkLength, len(data), c.Bytes)}
	}
	sum := l.sum(data)
	if got := hex.EncodeToString(sum[:]); got != c.SHA256 {
		return l.Progress(), &ChunkError{file, fmt.Errorf("%w: content hashes to %s", ErrChunkHash, got)}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, i := range idx {
		if l.data[i] == nil {
			l.data[i] = data
			l.done++
			l.bytes += c.Bytes
		}
	}
	p := l.progressLocked()
	for i, t := range l.m.Tensors {
		if !l.tensorOK[i] && l.haveLocked(t.Span) && (t.Scales == nil || l.haveLocked(*t.Scales)) {
			l.tensorOK[i] = true
			p.Tensors = append(p.Tensors, t.Name)
		}
	}
	for i, layer := range l.m.Layers {
		if !l.layerOK[i] && l.layerReadyLocked(layer) {
			l.layerOK[i] = true
			p.Layers = append(p.Layers, layer.Name)
		}
	}
	p.LastLayer = lastLayerOf(l.m.Layers, func(i int) bool { return l.layerOK[i] })
	return p, nil
}

// layerReadyLocked: a stored layer is ready when all its tensors are.
func (l *Loader) layerReadyLocked(layer Layer) bool {
	if layer.State == StateTruncated {
		return false
	}
	for i, t := range l.m.Tensors {
		if layerOf(t.Name) == layer.Name && !l.tensorOK[i] {
			return false
		}
	}
	return true
}

// haveLocked reports whether every chunk s touches is verified.
func (l *Loader) haveLocked(s Span) bool {
	for i := s.Chunk; i < len(l.data) && l.starts[i] < l.starts[s.Chunk]+s.Offset+s.Length; i++ {
		if l.data[i] == nil {
			return false
		}
	}
	return true
}

// Progress reports the totals (Tensors and Layers empty).
func (l *Loader) Progress() Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.progressLocked()
	p.LastLayer = lastLayerOf(l.m.Layers, func(i int) bool { return l.layerOK[i] })
	return p
}

func (l *Loader) progressLocked() Progress {
	return Progress{ChunksDone: l.done, ChunksTotal: len(l.m.Chunks), BytesDone: l.bytes, BytesTotal: l.starts[len(l.starts)-1]}
}

// Pending lists the chunk files not yet verified, in payload order (the order to fetch them).
func (l *Loader) Pending() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var files []string
	seen := map[string]bool{}
	for i, c := range l.m.Chunks {
		if l.data[i] == nil && !seen[c.File] {
			seen[c.File] = true
			files = append(files, c.File)
		}
	}
	return files
}

// Complete reports whether every chunk is verified.
func (l *Loader) Complete() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.done == len(l.m.Chunks)
}

// LastLayer is the last output layer the verified chunks can compute ("" before conv1).
func (l *Loader) LastLayer() string { return l.Progress().LastLayer }

// Synthetic reports whether some stored layer holds synthetic (not ImageNet) weights.
func (l *Loader) Synthetic() bool { return l.m.Model.Synthetic != nil }

// BatchNormFolded implements resnet50.FoldedSource: the kernels and biases include their BN.
func (l *Loader) BatchNormFolded() bool { return true }

// Weight implements resnet50.WeightSource: the tensor (layer, short) as float32, int8 kernels
// dequantized (weights/quant). Tensors not stored or not yet complete yield errors wrapping
// resnet50.ErrMissing.
func (l *Loader) Weight(layer, short string) ([]int, []float32, error) {
	t, err := l.completeTensor(layer, short)
	if err != nil {
		return nil, nil, err
	}
	out := make([]float32, elements(t.Shape))
	if t.DType == DTypeFloat32 {
		decodeFloat32(out, l.read(t.Span))
		return append([]int(nil), t.Shape...), out, nil
	}
	q, scales := l.int8Tensor(t)
	if err := quant.Dequantize(out, q, scales); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", t.Name, err)
	}
	return append([]int(nil), t.Shape...), out, nil
}

// WeightInt8 implements resnet50.QuantizedSource: an int8 kernel's codes and per-output-channel
// scales as stored, not dequantized, so resnet50.New can keep the model's kernels int8 in memory.
// The codes are a view of the verified chunk bytes when the tensor lies in one chunk (a copy when
// it spans several): callers must not modify them. Tensors stored as float32 (a float32 model,
// or biases) yield errors wrapping resnet50.ErrNotInt8; missing ones, resnet50.ErrMissing.
func (l *Loader) WeightInt8(layer, short string) ([]int, []int8, []float32, error) {
	t, err := l.completeTensor(layer, short)
	if err != nil {
		return nil, nil, nil, err
	}
	if t.DType != DTypeInt8 {
		return nil, nil, nil, fmt.Errorf("%s: stored as %s: %w", t.Name, t.DType, resnet50.ErrNotInt8)
	}
	q, scales := l.int8Tensor(t)
	return append([]int(nil), t.Shape...), q, scales, nil
}

// completeTensor finds the table entry of (layer, short) and checks its chunks have arrived.
func (l *Loader) completeTensor(layer, short string) (Tensor, error) {
	name := layer + "/" + short + ":0"
	ti := -1
	for i, t := range l.m.Tensors {
		if t.Name == name {
			ti = i
		}
	}
	if ti < 0 {
		why := "not stored in this model (it ends at " + l.m.Model.LastLayer + ")"
		for _, ly := range l.m.Layers {
			if ly.BatchNorm == layer {
				why = "folded into " + ly.Name
			}
		}
		return Tensor{}, fmt.Errorf("%s: %s: %w", name, why, resnet50.ErrMissing)
	}
	l.mu.Lock()
	ok := l.tensorOK[ti]
	l.mu.Unlock()
	if !ok {
		return Tensor{}, fmt.Errorf("%s: its chunks have not arrived yet: %w", name, resnet50.ErrMissing)
	}
	return l.m.Tensors[ti], nil
}

// int8Tensor returns a complete int8 tensor's codes (a view of the chunk bytes where read gives
// one: int8 and byte have the same size, and the codes are the bytes reinterpreted as two's
// complement, FORMAT.md §Quantization) and its scales, decoded.
func (l *Loader) int8Tensor(t Tensor) ([]int8, []float32) {
	raw := l.read(t.Span)
	q := unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(raw))), len(raw))
	scales := make([]float32, t.Shape[len(t.Shape)-1])
	decodeFloat32(scales, l.read(*t.Scales))
	return q, scales
}

// read returns the bytes of a span of verified chunks (a view when it lies in one chunk).
func (l *Loader) read(s Span) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.starts[s.Chunk] + s.Offset
	end := at + s.Length
	if end <= l.starts[s.Chunk+1] {
		return l.data[s.Chunk][s.Offset : s.Offset+s.Length]
	}
	out := make([]byte, 0, s.Length)
	for i := s.Chunk; at < end; i++ {
		from, to := at-l.starts[i], min(end, l.starts[i+1])-l.starts[i]
		out = append(out, l.data[i][from:to]...)
		at = l.starts[i] + to
	}
	return out
}

func decodeFloat32(dst []float32, raw []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
}

// layerOf is the layer part of a weight name "layer/short:0".
func layerOf(name string) string {
	for i := range len(name) {
		if name[i] == '/' {
			return name[:i]
		}
	}
	return name
}
