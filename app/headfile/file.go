// file.go: writing and reading a head file (FORMAT.md beside this file): a 16-byte prefix (magic, version,
// header length), a JSON header saying what the head is, zero padding to 16 bytes, and the
// weights as little-endian float32. Parse checks everything before trusting anything: sizes
// against the limits in constants.go before allocating, the header's internal consistency, the
// payload's SHA-256, and that every weight is finite.
package headfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/resnet50"
)

// fileHeader is the JSON header (FORMAT.md §Header).
type fileHeader struct {
	Classes       []string      `json:"classes"`
	Output        head.Output   `json:"output"`
	Layers        []layerEntry  `json:"layers"`
	Base          head.Base     `json:"base"`
	Preprocessing preprocessing `json:"preprocessing"`
	Training      head.Config   `json:"training"`
	Metrics       *head.Summary `json:"metrics"`
	Trunk         *head.Trunk   `json:"trunk,omitempty"` // versions 2 and 3: fine-tuned base layers (trunk.go)
	// Version 3 only (FORMAT.md §Open set and calibration).
	Calibration *head.Calibration `json:"calibration,omitempty"`
	OpenSet     *openSetEntry     `json:"open_set,omitempty"`
	Payload     payloadEntry      `json:"payload"`
}

// openSetEntry is head.OpenSet without its vectors, which the payload holds.
type openSetEntry struct {
	Method     string    `json:"method"`     // head.OpenSetMethod
	Components int       `json:"components"` // K
	Shrinkage  float32   `json:"shrinkage"`
	Residual   float32   `json:"residual"`
	Threshold  float32   `json:"threshold"`
	HeldOut    string    `json:"held_out"`
	Variances  []float32 `json:"variances"` // [K]
}

type layerEntry struct {
	In         int    `json:"in"`
	Out        int    `json:"out"`
	Activation string `json:"activation"` // "relu" for hidden layers, "linear" for the last
}

// preprocessing records how the features were made; version 1 has one value for each field.
type preprocessing struct {
	Mode      string `json:"mode"`       // "caffe"
	InputSize int    `json:"input_size"` // 224
	Pooling   string `json:"pooling"`    // "global_average"
}

var preprocessingV1 = preprocessing{Mode: "caffe", InputSize: resnet50.InputSize, Pooling: "global_average"}

type payloadEntry struct {
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ErrNotHeadFile marks data that is not a head file at all; ErrVersion one of another version.
var (
	ErrNotHeadFile = errors.New("not a Graft head file")
	ErrVersion     = errors.New("unsupported head file version")
)

// Marshal encodes the model as a head file. It refuses a model Parse would refuse.
func Marshal(m *head.Model) ([]byte, error) {
	h := fileHeader{Classes: m.Classes, Output: m.Output, Base: m.Base, Preprocessing: preprocessingV1,
		Training: m.Training, Metrics: m.Metrics, Trunk: m.Trunk, Calibration: m.Calibration}
	var payload bytes.Buffer
	writeFloats := func(w []float32) {
		for _, v := range w {
			payload.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
		}
	}
	for i, d := range m.Layers {
		act := "relu"
		if i == len(m.Layers)-1 {
			act = "linear"
		}
		h.Layers = append(h.Layers, layerEntry{d.In, d.Out, act})
		if len(d.Kernel) != d.In*d.Out || len(d.Bias) != d.Out {
			return nil, fmt.Errorf("head file: layer %d holds %d+%d weights for %d×%d", i, len(d.Kernel), len(d.Bias), d.In, d.Out)
		}
		for _, w := range [][]float32{d.Kernel, d.Bias} {
			if !allFinite(w) {
				return nil, fmt.Errorf("head file: layer %d has a weight that is not finite", i)
			}
			writeFloats(w)
		}
	}
	version := uint32(FileVersion1)
	if m.Trunk != nil {
		version = FileVersionTrunk
		for _, l := range m.Trunk.Layers {
			if len(l.Kernel) != shapeCount(l.Shape) || len(l.Shape) != 4 || len(l.Bias) != l.Shape[3] {
				return nil, fmt.Errorf("head file: trunk layer %s holds %d+%d weights for %v", l.Name, len(l.Kernel), len(l.Bias), l.Shape)
			}
			for _, w := range [][]float32{l.Kernel, l.Bias} {
				if !allFinite(w) {
					return nil, fmt.Errorf("head file: trunk layer %s has a weight that is not finite", l.Name)
				}
				writeFloats(w)
			}
		}
	}
	if o := m.OpenSet; o != nil {
		h.OpenSet = &openSetEntry{Method: head.OpenSetMethod, Components: len(o.Components), Shrinkage: o.Shrinkage,
			Residual: o.Residual, Threshold: o.Threshold, HeldOut: o.HeldOut, Variances: o.Variances}
		if err := o.Check(len(m.Classes), m.Features()); err != nil {
			return nil, fmt.Errorf("head file: %w", err)
		}
		for _, v := range slices.Concat(o.Means, o.Components) {
			writeFloats(v)
		}
	}
	if m.Calibration != nil || m.OpenSet != nil {
		version = FileVersion
	}
	sum := sha256.Sum256(payload.Bytes())
	h.Payload = payloadEntry{Bytes: int64(payload.Len()), SHA256: hex.EncodeToString(sum[:])}
	if _, err := h.check(); err != nil {
		return nil, err
	}
	js, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("head file: %w", err)
	}
	if len(js) > MaxHeaderBytes {
		return nil, fmt.Errorf("head file: header of %d bytes, over the limit of %d", len(js), MaxHeaderBytes)
	}
	out := make([]byte, 0, payloadOffset(len(js))+payload.Len())
	out = append(out, FileMagic...)
	out = binary.LittleEndian.AppendUint32(out, version)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(js)))
	out = append(out, js...)
	out = append(out, make([]byte, payloadOffset(len(js))-len(out))...)
	return append(out, payload.Bytes()...), nil
}

// payloadOffset is where the payload starts after a header of n bytes.
func payloadOffset(n int) int {
	return (prefixBytes + n + payloadAlign - 1) / payloadAlign * payloadAlign
}

// Parse decodes and checks a head file.
func Parse(data []byte) (*head.Model, error) {
	if len(data) < prefixBytes || string(data[:8]) != FileMagic {
		return nil, fmt.Errorf("head file: %w (it does not start with %q)", ErrNotHeadFile, FileMagic)
	}
	version := binary.LittleEndian.Uint32(data[8:])
	if version != FileVersion1 && version != FileVersionTrunk && version != FileVersion {
		return nil, fmt.Errorf("head file: %w %d; this Graft reads versions %d to %d (train the head again, or use the Graft that wrote it)", ErrVersion, version, FileVersion1, FileVersion)
	}
	n := int64(binary.LittleEndian.Uint32(data[12:]))
	if n == 0 || n > MaxHeaderBytes || prefixBytes+n > int64(len(data)) {
		return nil, fmt.Errorf("head file: header length %d does not fit (file %d bytes, limit %d): the file is truncated or damaged", n, len(data), MaxHeaderBytes)
	}
	var h fileHeader
	dec := json.NewDecoder(bytes.NewReader(data[prefixBytes : prefixBytes+n]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("head file: header: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("head file: header: data after the JSON object")
	}
	switch {
	case version == FileVersion1 && h.Trunk != nil:
		return nil, errors.New("head file: a version 1 file has no trunk section")
	case version == FileVersionTrunk && h.Trunk == nil:
		return nil, errors.New("head file: a version 2 file needs its trunk section")
	case version != FileVersion && (h.Calibration != nil || h.OpenSet != nil):
		return nil, fmt.Errorf("head file: a version %d file has no calibration or open set", version)
	case version == FileVersion && h.Calibration == nil && h.OpenSet == nil:
		return nil, errors.New("head file: a version 3 file needs its calibration or its open set")
	}
	params, err := h.check()
	if err != nil {
		return nil, err
	}
	off := int64(payloadOffset(int(n)))
	if int64(len(data)) != off+h.Payload.Bytes {
		return nil, fmt.Errorf("head file: %d bytes, the header says %d: the file is truncated or has data appended", len(data), off+h.Payload.Bytes)
	}
	if slices.ContainsFunc(data[prefixBytes+n:off], func(b byte) bool { return b != 0 }) {
		return nil, errors.New("head file: the padding after the header is not zero")
	}
	payload := data[off:]
	if sum := sha256.Sum256(payload); hex.EncodeToString(sum[:]) != h.Payload.SHA256 {
		return nil, errors.New("head file: the weights do not match their SHA-256: the file is damaged")
	}
	weights := make([]float32, params)
	for i := range weights {
		weights[i] = math.Float32frombits(binary.LittleEndian.Uint32(payload[4*i:]))
		if math.IsNaN(float64(weights[i])) || math.IsInf(float64(weights[i]), 0) {
			return nil, fmt.Errorf("head file: weight %d is not finite", i)
		}
	}
	m := &head.Model{Net: head.Net{Output: h.Output}, Classes: h.Classes, Base: h.Base, Training: h.Training, Metrics: h.Metrics,
		Trunk: h.Trunk, Calibration: h.Calibration}
	for _, l := range h.Layers {
		d := head.Dense{In: l.In, Out: l.Out, Kernel: weights[: l.In*l.Out : l.In*l.Out]}
		weights = weights[l.In*l.Out:]
		d.Bias, weights = weights[:l.Out:l.Out], weights[l.Out:]
		m.Layers = append(m.Layers, d)
	}
	if m.Trunk != nil {
		for i := range m.Trunk.Layers {
			l := &m.Trunk.Layers[i]
			k, b := shapeCount(l.Shape), l.Shape[3]
			l.Kernel, weights = weights[:k:k], weights[k:]
			l.Bias, weights = weights[:b:b], weights[b:]
		}
	}
	if e := h.OpenSet; e != nil {
		o := &head.OpenSet{Variances: e.Variances, Residual: e.Residual, Shrinkage: e.Shrinkage, Threshold: e.Threshold, HeldOut: e.HeldOut}
		f := h.Base.Features
		for c := range len(h.Classes) + e.Components {
			v := weights[:f:f]
			if weights = weights[f:]; c < len(h.Classes) {
				o.Means = append(o.Means, v)
			} else {
				o.Components = append(o.Components, v)
			}
		}
		m.OpenSet = o
	}
	return m, nil
}

// check validates the header and returns the number of weights it describes.
func (h *fileHeader) check() (int, error) {
	wrap := func(err error) (int, error) { return 0, fmt.Errorf("head file: %w", err) }
	if err := head.CheckClasses(h.Classes); err != nil {
		return wrap(err)
	}
	if h.Output != head.Softmax && h.Output != head.Sigmoid {
		return wrap(fmt.Errorf("output %q: want %q or %q", h.Output, head.Softmax, head.Sigmoid))
	}
	if h.Output == head.Sigmoid && len(h.Classes) != 2 {
		return wrap(fmt.Errorf("a sigmoid head has two classes, this one %d", len(h.Classes)))
	}
	if err := h.Base.Check(); err != nil {
		return wrap(err)
	}
	if h.Preprocessing != preprocessingV1 {
		return wrap(fmt.Errorf("preprocessing %+v: version %d knows only %+v", h.Preprocessing, FileVersion, preprocessingV1))
	}
	if len(h.Layers) < 1 || len(h.Layers) > head.MaxLayers {
		return wrap(fmt.Errorf("%d layers: want 1…%d", len(h.Layers), head.MaxLayers))
	}
	params, in := 0, h.Base.Features
	var hidden []int
	for i, l := range h.Layers {
		last := i == len(h.Layers)-1
		want := "relu"
		if last {
			want = "linear"
		}
		switch {
		case l.In != in:
			return wrap(fmt.Errorf("layer %d has %d inputs, the layer before gives %d", i, l.In, in))
		case l.Out < 1 || l.Out > head.MaxUnits:
			return wrap(fmt.Errorf("layer %d has %d units: want 1…%d", i, l.Out, head.MaxUnits))
		case last && l.Out != h.Output.Units(len(h.Classes)):
			return wrap(fmt.Errorf("the last layer has %d units; a %s head of %d classes needs %d", l.Out, h.Output, len(h.Classes), h.Output.Units(len(h.Classes))))
		case l.Activation != want:
			return wrap(fmt.Errorf("layer %d: activation %q, version %d has %q there", i, l.Activation, FileVersion, want))
		}
		if !last {
			hidden = append(hidden, l.Out)
		}
		params += l.In*l.Out + l.Out // each term ≤ 8192·8193, 16 of them: no overflow
		in = l.Out
	}
	if params > head.MaxParams {
		return wrap(fmt.Errorf("%d weights, over the limit of %d", params, head.MaxParams))
	}
	if h.Trunk != nil {
		n, err := h.Trunk.Check(h.Base)
		if err != nil {
			return wrap(err)
		}
		params += n
	}
	if c := h.Calibration; c != nil {
		if err := c.Check(); err != nil {
			return wrap(err)
		}
	}
	if e := h.OpenSet; e != nil {
		if e.Method != head.OpenSetMethod || e.Components < 0 || e.Components > head.OpenSetComponents || len(e.Variances) != e.Components {
			return wrap(fmt.Errorf("open set: method %q with %d components and %d variances: want %s, 0…%d, one variance each",
				e.Method, e.Components, len(e.Variances), head.OpenSetMethod, head.OpenSetComponents))
		}
		o := head.OpenSet{Variances: e.Variances, Residual: e.Residual, Shrinkage: e.Shrinkage, Threshold: e.Threshold, HeldOut: e.HeldOut}
		if err := o.CheckScalars(); err != nil { // its vectors are in the payload, checked as weights are
			return wrap(err)
		}
		params += (len(h.Classes) + e.Components) * h.Base.Features
	}
	if err := h.Training.Validate(); err != nil {
		return wrap(fmt.Errorf("training settings: %w", err))
	}
	if !slices.Equal(h.Training.Hidden, hidden) || h.Training.Output != h.Output {
		return wrap(fmt.Errorf("training settings (hidden %v, output %s) disagree with the layers (hidden %v, output %s)",
			h.Training.Hidden, h.Training.Output, hidden, h.Output))
	}
	if err := h.Metrics.Check(len(h.Classes)); err != nil {
		return wrap(err)
	}
	if h.Payload.Bytes != 4*int64(params) {
		return wrap(fmt.Errorf("payload of %d bytes; %d weights need %d", h.Payload.Bytes, params, 4*params))
	}
	if len(h.Payload.SHA256) != 64 {
		return wrap(fmt.Errorf("payload sha256 %q is not 64 hex digits", h.Payload.SHA256))
	}
	return params, nil
}

// shapeCount is the number of elements of a shape (0 for an empty or negative one).
func shapeCount(shape []int) int {
	if len(shape) == 0 {
		return 0
	}
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0
		}
		n *= d
	}
	return n
}

// allFinite reports whether every value of w is a finite number.
func allFinite(w []float32) bool {
	return !slices.ContainsFunc(w, func(v float32) bool { return math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) })
}
