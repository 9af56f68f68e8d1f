// Writing a model (weights/FORMAT.md §Payload and §Chunks): tensors are appended to one payload
// in the order given (the converter gives execution order, conv1 first), each aligned to
// Alignment, and the payload is cut into MaxChunkBytes chunks named by their SHA-256.
package format

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
)

// Builder assembles a model: its manifest and its chunks.
type Builder struct {
	m       Manifest
	payload []byte
}

// ChunkData is one chunk file to write.
type ChunkData struct {
	File string
	Data []byte
}

// NewBuilder starts a model of the given kernel dtype. Fill Model().Source and, for a synthetic
// fill, Model().Synthetic before Finish.
func NewBuilder(dtype string) *Builder {
	return &Builder{m: Manifest{
		Format:              FormatName,
		FormatVersion:       FormatVersion,
		QuantizationVersion: QuantizationVersion,
		Model:               ModelInfo{Architecture: Architecture, DType: dtype, BatchNorm: BatchNormFolded},
		Preprocessing: Preprocessing{
			Mode: PreprocessCaffe, ChannelOrder: ChannelOrderBGR, Mean: CaffeMeanBGR, Scale: 1,
			InputShape: [3]int{InputSize, InputSize, InputChannels}, KerasResize: KerasResizeNearest,
		},
	}}
}

// Model gives access to the model description before Finish.
func (b *Builder) Model() *ModelInfo { return &b.m.Model }

// AddLayer appends a layer entry; layers must come in ResNet50's order (Finish checks).
func (b *Builder) AddLayer(l Layer) { b.m.Layers = append(b.m.Layers, l) }

// AddFloat32 appends a float32 tensor.
func (b *Builder) AddFloat32(name string, shape []int, data []float32) error {
	if len(data) != elements(shape) {
		return fmt.Errorf("format: %s: %d values for shape %v", name, len(data), shape)
	}
	b.m.Tensors = append(b.m.Tensors, Tensor{Name: name, Shape: append([]int(nil), shape...), DType: DTypeFloat32,
		Span: b.appendFloat32(data)})
	return nil
}

// AddInt8 appends an int8 tensor with its per-output-channel scales [K], K = shape[last].
func (b *Builder) AddInt8(name string, shape []int, q []int8, scales []float32) error {
	if len(q) != elements(shape) || len(shape) == 0 || len(scales) != shape[len(shape)-1] {
		return fmt.Errorf("format: %s: %d codes and %d scales for shape %v", name, len(q), len(scales), shape)
	}
	t := Tensor{Name: name, Shape: append([]int(nil), shape...), DType: DTypeInt8}
	b.align()
	t.Span = b.here(int64(len(q)))
	for _, c := range q {
		b.payload = append(b.payload, byte(c))
	}
	s := b.appendFloat32(scales)
	t.Scales = &s
	b.m.Tensors = append(b.m.Tensors, t)
	return nil
}

func (b *Builder) appendFloat32(data []float32) Span {
	b.align()
	s := b.here(int64(len(data)) * 4)
	for _, v := range data {
		b.payload = binary.LittleEndian.AppendUint32(b.payload, math.Float32bits(v))
	}
	return s
}

func (b *Builder) align() {
	for len(b.payload)%Alignment != 0 {
		b.payload = append(b.payload, 0)
	}
}

// here is a span of length bytes at the payload's current end.
func (b *Builder) here(length int64) Span {
	at := int64(len(b.payload))
	return Span{Chunk: int(at / MaxChunkBytes), Offset: at % MaxChunkBytes, Length: length}
}

// Finish cuts the payload into chunks, fills the chunk table, the model id and last layer, and
// validates the manifest as a reader would.
func (b *Builder) Finish() (*Manifest, []ChunkData, error) {
	m := b.m
	m.Chunks = nil
	var chunks []ChunkData
	ids := sha256.New() // model id: hash of the chunk hashes and the layer states
	for at := 0; at < len(b.payload); at += MaxChunkBytes {
		data := b.payload[at:min(at+MaxChunkBytes, len(b.payload))]
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		m.Chunks = append(m.Chunks, Chunk{File: h + ChunkSuffix, Bytes: int64(len(data)), SHA256: h})
		chunks = append(chunks, ChunkData{h + ChunkSuffix, data})
		ids.Write(sum[:])
	}
	for _, l := range m.Layers {
		fmt.Fprintf(ids, "%s=%s;", l.Name, l.State)
	}
	m.Model.ID = fmt.Sprintf("%s.%s.%s", ModelFamily, m.Model.DType, hex.EncodeToString(ids.Sum(nil))[:16])
	m.Model.LastLayer = lastLayerOf(m.Layers, func(i int) bool { return m.Layers[i].State != StateTruncated })
	if err := m.Validate(); err != nil {
		return nil, nil, fmt.Errorf("format: the model built is invalid: %w", err)
	}
	return &m, chunks, nil
}

// Marshal is the manifest as written to manifest.json (indented, for people to read).
func (m *Manifest) Marshal() ([]byte, error) {
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// chunkFileName matches the files WriteDir may delete: chunks left by an earlier conversion.
var chunkFileName = regexp.MustCompile(`^[0-9a-f]{64}` + regexp.QuoteMeta(ChunkSuffix) + `$`)

// WriteDir writes the chunks and then manifest.json into dir (created if needed), and removes
// chunk files there that the new manifest does not list. Each file is written to a temporary
// name and renamed, so a reader never sees a half-written file under its final name.
func WriteDir(dir string, m *Manifest, chunks []ChunkData) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, c := range chunks {
		keep[c.File] = true
		if err := writeFileAtomic(filepath.Join(dir, c.File), c.Data); err != nil {
			return err
		}
	}
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, ManifestFile), data); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if chunkFileName.MatchString(e.Name()) && !keep[e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
