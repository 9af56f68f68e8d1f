// manifest.json: its Go types, parsing and validation (weights/FORMAT.md §Manifest). A manifest
// that ParseManifest accepts is internally consistent: every span lies inside the payload, no
// two overlap, every shape is ResNet50's, and the layer states agree with the tensors present.
package format

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// Manifest is manifest.json.
type Manifest struct {
	Format              string        `json:"format"`               // FormatName
	FormatVersion       int           `json:"format_version"`       // FormatVersion
	QuantizationVersion int           `json:"quantization_version"` // QuantizationVersion
	Model               ModelInfo     `json:"model"`
	Preprocessing       Preprocessing `json:"preprocessing"`
	Layers              []Layer       `json:"layers"`  // every ResNet50 layer with weights, execution order
	Tensors             []Tensor      `json:"tensors"` // stored tensors, layer order, kernel then bias
	Chunks              []Chunk       `json:"chunks"`  // payload order
}

// ModelInfo says what the model is.
type ModelInfo struct {
	ID           string         `json:"id"`           // "<ModelFamily>.<dtype>.<16 hex>": changes with the content
	Architecture string         `json:"architecture"` // Architecture
	DType        string         `json:"dtype"`        // dtype of the kernels: int8 or float32
	BatchNorm    string         `json:"batch_norm"`   // BatchNormFolded
	LastLayer    string         `json:"last_layer"`   // last output layer (resnet50.OutputLayers) the stored layers compute
	Source       Source         `json:"source"`
	Synthetic    *SyntheticInfo `json:"synthetic,omitempty"` // present iff some layer is synthetic
}

// Source is the file the weights were converted from.
type Source struct {
	File   string `json:"file"` // base name
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// SyntheticInfo says how synthetic layers were filled.
type SyntheticInfo struct {
	Init string `json:"init"` // SyntheticInitHeNorm
	Seed uint64 `json:"seed"`
}

// Preprocessing is what an image goes through before the network (Keras "caffe" mode).
type Preprocessing struct {
	Mode         string     `json:"mode"`          // PreprocessCaffe
	ChannelOrder string     `json:"channel_order"` // ChannelOrderBGR
	Mean         [3]float64 `json:"mean"`          // CaffeMeanBGR, subtracted in channel order
	Scale        float64    `json:"scale"`         // 1: pixels stay in 0–255 minus the mean
	InputShape   [3]int     `json:"input_shape"`   // [224, 224, 3] (H, W, C)
	KerasResize  string     `json:"keras_resize"`  // KerasResizeNearest: Keras' load_img, for parity
}

// Layer is one Keras layer with weights (a Conv2D with its folded BatchNormalization, or the
// predictions Dense layer).
type Layer struct {
	Name      string `json:"name"`                 // Keras layer name, "conv1_conv"
	State     string `json:"state"`                // StatePresent, StateSynthetic or StateTruncated
	BatchNorm string `json:"batch_norm,omitempty"` // the Keras BN layer folded into it, "conv1_bn"
}

// Tensor is one stored tensor.
type Tensor struct {
	Name  string `json:"name"`  // Keras weight name, "conv1_conv/kernel:0" (values BN-folded)
	Shape []int  `json:"shape"` // Keras layout: conv [KH,KW,Cin,Cout], dense [In,Out], bias [K]
	DType string `json:"dtype"` // DTypeInt8 (kernels of int8 models) or DTypeFloat32
	Span
	Scales *Span `json:"scales,omitempty"` // int8 only: float32 [K], K = Shape[last]
}

// Span locates bytes in the payload (the chunks concatenated in table order): they start at
// Offset within chunk Chunk and run on into the following chunks when Length needs it.
type Span struct {
	Chunk  int   `json:"chunk"`
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

// Chunk is one chunk file.
type Chunk struct {
	File   string `json:"file"`   // SHA256 + ChunkSuffix
	Bytes  int64  `json:"bytes"`  // MaxChunkBytes for all but the last
	SHA256 string `json:"sha256"` // lowercase hex SHA-256 of the file's bytes
}

// ErrVersion marks a manifest of another format or quantization version.
var ErrVersion = errors.New("unsupported model format version")

// ParseManifest decodes and validates manifest.json.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestBytes {
		return nil, fmt.Errorf("manifest: %d bytes, more than the limit %d: not a Graft model manifest", len(data), MaxManifestBytes)
	}
	// Versions first, so that a newer manifest gets a version error, not a field error.
	var head struct {
		Format              string `json:"format"`
		FormatVersion       int    `json:"format_version"`
		QuantizationVersion int    `json:"quantization_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("manifest: not JSON: %w", err)
	}
	if head.Format != FormatName {
		return nil, fmt.Errorf("manifest: format %q, want %q: not a Graft model manifest", head.Format, FormatName)
	}
	if head.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("manifest: %w: format_version %d, this Graft reads %d; convert the model again with this Graft (graft convert --h5 FILE --out DIR) or use the Graft that wrote it",
			ErrVersion, head.FormatVersion, FormatVersion)
	}
	if head.QuantizationVersion != QuantizationVersion {
		return nil, fmt.Errorf("manifest: %w: quantization_version %d, this Graft reads %d; convert the model again with this Graft (graft convert --h5 FILE --out DIR)",
			ErrVersion, head.QuantizationVersion, QuantizationVersion)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

var (
	hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)
	modelID   = regexp.MustCompile(`^` + regexp.QuoteMeta(ModelFamily) + `\.(int8|float32)\.[0-9a-f]{16}$`)
)

// Validate checks everything a reader relies on; ParseManifest calls it, and writers call it
// before writing.
func (m *Manifest) Validate() error {
	if m.Format != FormatName || m.FormatVersion != FormatVersion || m.QuantizationVersion != QuantizationVersion {
		return fmt.Errorf("manifest: %w: %q version %d, quantization %d", ErrVersion, m.Format, m.FormatVersion, m.QuantizationVersion)
	}
	if err := m.validateModel(); err != nil {
		return fmt.Errorf("manifest: model: %w", err)
	}
	starts, err := m.validateChunks()
	if err != nil {
		return fmt.Errorf("manifest: chunks: %w", err)
	}
	if err := m.validateLayersAndTensors(starts); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

func (m *Manifest) validateModel() error {
	mi, p := m.Model, m.Preprocessing
	switch {
	case mi.Architecture != Architecture:
		return fmt.Errorf("architecture %q; this Graft knows only %q", mi.Architecture, Architecture)
	case mi.DType != DTypeInt8 && mi.DType != DTypeFloat32:
		return fmt.Errorf("dtype %q, want %q or %q", mi.DType, DTypeInt8, DTypeFloat32)
	case !modelID.MatchString(mi.ID) || mi.ID[len(ModelFamily)+1:len(mi.ID)-17] != mi.DType:
		return fmt.Errorf("id %q is not %s.%s.<16 hex digits>", mi.ID, ModelFamily, mi.DType)
	case mi.BatchNorm != BatchNormFolded:
		return fmt.Errorf("batch_norm %q, want %q", mi.BatchNorm, BatchNormFolded)
	case mi.Synthetic != nil && mi.Synthetic.Init != SyntheticInitHeNorm:
		return fmt.Errorf("synthetic init %q, want %q", mi.Synthetic.Init, SyntheticInitHeNorm)
	case len(mi.Source.File) > 255 || mi.Source.Bytes < 0 || mi.Source.SHA256 != "" && !hexSHA256.MatchString(mi.Source.SHA256):
		return fmt.Errorf("source %+v is not a file name, size and hex SHA-256", mi.Source)
	case p.Mode != PreprocessCaffe || p.ChannelOrder != ChannelOrderBGR || p.Mean != CaffeMeanBGR || p.Scale != 1 ||
		p.InputShape != [3]int{InputSize, InputSize, InputChannels}:
		return fmt.Errorf("preprocessing %+v is not Keras' caffe mode for 224x224x3", p)
	}
	return nil
}

// validateChunks checks the chunk table and returns each chunk's payload offset, plus the
// payload size as a last element.
func (m *Manifest) validateChunks() ([]int64, error) {
	n := len(m.Chunks)
	if n == 0 || n > MaxChunks {
		return nil, fmt.Errorf("%d chunks, want 1 to %d", n, MaxChunks)
	}
	starts := make([]int64, n+1)
	sizeOf := map[string]int64{} // equal contents share a file; they must agree on its size
	for i, c := range m.Chunks {
		if b, seen := sizeOf[c.File]; seen && b != c.Bytes {
			return nil, fmt.Errorf("chunk %s listed with %d and %d bytes", c.File, b, c.Bytes)
		}
		sizeOf[c.File] = c.Bytes
		switch {
		case !hexSHA256.MatchString(c.SHA256):
			return nil, fmt.Errorf("chunk %d: sha256 %q is not 64 lowercase hex digits", i, c.SHA256)
		case c.File != c.SHA256+ChunkSuffix:
			return nil, fmt.Errorf("chunk %d: file %q, want its sha256 + %q", i, c.File, ChunkSuffix)
		case c.Bytes <= 0 || c.Bytes > MaxChunkBytes:
			return nil, fmt.Errorf("chunk %s: %d bytes, want 1 to %d", c.File, c.Bytes, MaxChunkBytes)
		case i < n-1 && c.Bytes != MaxChunkBytes:
			return nil, fmt.Errorf("chunk %s: %d bytes; every chunk but the last has %d", c.File, c.Bytes, MaxChunkBytes)
		}
		starts[i+1] = starts[i] + c.Bytes
	}
	return starts, nil
}

// validateLayersAndTensors checks the layer table against ResNet50 and the tensor table against
// the layers and the payload.
func (m *Manifest) validateLayersAndTensors(starts []int64) error {
	want := modelLayers()
	if len(m.Layers) != len(want) {
		return fmt.Errorf("%d layers, ResNet50 has %d", len(m.Layers), len(want))
	}
	var expect []resnet50.WeightSpec // tensors the layer states call for, in order
	specs := weightSpecsByName()
	anySynthetic := false
	for i, l := range m.Layers {
		if l.Name != want[i].name || l.BatchNorm != want[i].bn {
			return fmt.Errorf("layer %d is %q (batch norm %q), want %q (%q)", i, l.Name, l.BatchNorm, want[i].name, want[i].bn)
		}
		switch l.State {
		case StatePresent, StateSynthetic:
			anySynthetic = anySynthetic || l.State == StateSynthetic
			expect = append(expect, specs[l.Name+"/kernel:0"], specs[l.Name+"/bias:0"])
		case StateTruncated:
		default:
			return fmt.Errorf("layer %s: state %q, want %s, %s or %s", l.Name, l.State, StatePresent, StateSynthetic, StateTruncated)
		}
	}
	if anySynthetic != (m.Model.Synthetic != nil) {
		return fmt.Errorf("model.synthetic must be given exactly when some layer is synthetic")
	}
	if last := lastLayerOf(m.Layers, func(i int) bool { return m.Layers[i].State != StateTruncated }); last != m.Model.LastLayer || last == "" {
		return fmt.Errorf("model.last_layer %q, but the stored layers compute through %q", m.Model.LastLayer, last)
	}
	if len(m.Tensors) != len(expect) {
		return fmt.Errorf("%d tensors, the layer states call for %d", len(m.Tensors), len(expect))
	}
	var spans []Span
	for i, t := range m.Tensors {
		s := expect[i]
		if t.Name != s.Name() || !tensor.SameShape(t.Shape, s.Shape) {
			return fmt.Errorf("tensor %d is %s %v, want %s %v", i, t.Name, t.Shape, s.Name(), s.Shape)
		}
		wantType := DTypeFloat32
		if s.Short == "kernel" {
			wantType = m.Model.DType
		}
		if t.DType != wantType {
			return fmt.Errorf("tensor %s: dtype %q, want %q", t.Name, t.DType, wantType)
		}
		if err := checkSpan(t.Span, int64(elements(t.Shape))*dtypeSize(t.DType), starts); err != nil {
			return fmt.Errorf("tensor %s: %w", t.Name, err)
		}
		spans = append(spans, t.Span)
		if (t.DType == DTypeInt8) != (t.Scales != nil) {
			return fmt.Errorf("tensor %s: an int8 tensor has scales, a float32 one has none", t.Name)
		}
		if t.Scales != nil {
			if err := checkSpan(*t.Scales, int64(t.Shape[len(t.Shape)-1])*4, starts); err != nil {
				return fmt.Errorf("tensor %s scales: %w", t.Name, err)
			}
			spans = append(spans, *t.Scales)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spanStart(spans[i], starts) < spanStart(spans[j], starts) })
	for i := 1; i < len(spans); i++ {
		if spanStart(spans[i-1], starts)+spans[i-1].Length > spanStart(spans[i], starts) {
			return fmt.Errorf("two spans overlap at payload offset %d", spanStart(spans[i], starts))
		}
	}
	return nil
}

// checkSpan checks that s holds exactly length bytes, aligned, inside the payload.
func checkSpan(s Span, length int64, starts []int64) error {
	n := len(starts) - 1
	switch {
	case s.Length != length:
		return fmt.Errorf("length %d, its shape and dtype need %d", s.Length, length)
	case s.Chunk < 0 || s.Chunk >= n:
		return fmt.Errorf("chunk %d, the table has %d", s.Chunk, n)
	case s.Offset < 0 || s.Offset >= starts[s.Chunk+1]-starts[s.Chunk]:
		return fmt.Errorf("offset %d outside chunk %d", s.Offset, s.Chunk)
	case (starts[s.Chunk]+s.Offset)%Alignment != 0:
		return fmt.Errorf("payload offset %d is not a multiple of %d", starts[s.Chunk]+s.Offset, Alignment)
	case s.Length > starts[n]-starts[s.Chunk]-s.Offset:
		return fmt.Errorf("%d bytes from chunk %d offset %d run past the payload's end", s.Length, s.Chunk, s.Offset)
	}
	return nil
}

func spanStart(s Span, starts []int64) int64 { return starts[s.Chunk] + s.Offset }

func dtypeSize(dtype string) int64 {
	if dtype == DTypeInt8 {
		return 1
	}
	return 4
}

func elements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
