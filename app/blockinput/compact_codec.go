// compact_codec.go: the on-disk form of one block input (a finetune.Compact), shared by the browser's
// IndexedDB cache (web/engine) and graft train's cache folder (cache.go), and the key it is kept
// under. A damaged or implausible entry decodes to an error, which every reader treats as a
// miss: the image goes through the trunk again.
//
// Encoding (little-endian): "GBI1" · H, W, C uint32 · Scale [C]float32 · Codes [H·W·C]uint8 ·
// CRC-32 (IEEE) of everything before it, uint32. 201 KiB a view at conv4_block5_out [14,14,1024].
package blockinput

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/graftml/graft/core/finetune"
	"hash/crc32"
	"math"

	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/head"
)

// BlockInputKeyVersion starts every key; bump it when the encoding or the values of a key change.
const BlockInputKeyVersion = "graft-blockinput-v1"

// BlockInputKey is the cache key of one view's input-layer activations of the image with
// SHA-256 hash, for a head on b (its model and resize mode).
func BlockInputKey(b head.Base, input, hash string, v dataset.View) string {
	return BlockInputKeyVersion + "|" + dataset.Key{Content: hash, Model: b.ModelID, Layer: input, View: v, Resize: b.Resize}.String()
}

const (
	compactMagic  = "GBI1"
	compactHeader = 4 + 3*4 // magic, H, W, C
	maxCompactDim = 4096
	maxCompactLen = 1 << 24 // values: ResNet50's largest block input is [56,56,256] = 802,816
)

// EncodedBytes is the length of EncodeCompact's output for an input of shape [h,w,c].
func EncodedBytes(h, w, c int) int { return compactHeader + int(finetune.CompactBytes(h, w, c)) + 4 }

// ErrDamagedInput: a cached block input that does not decode (a miss).
var ErrDamagedInput = errors.New("damaged block input")

// EncodeCompact writes q in the encoding above.
func EncodeCompact(q finetune.Compact) []byte {
	out := make([]byte, 0, compactHeader+4*len(q.Scale)+len(q.Codes)+4)
	out = append(out, compactMagic...)
	for _, d := range []int{q.H, q.W, q.C} {
		out = binary.LittleEndian.AppendUint32(out, uint32(d))
	}
	for _, s := range q.Scale {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(s))
	}
	out = append(out, q.Codes...)
	return binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(out))
}

// DecodeCompact reads an EncodeCompact entry, refusing (ErrDamagedInput) anything that is not
// one intact: wrong magic, implausible or inconsistent sizes, a bad checksum, bad scales.
func DecodeCompact(b []byte) (finetune.Compact, error) {
	if len(b) < compactHeader+4 || string(b[:4]) != compactMagic {
		return finetune.Compact{}, fmt.Errorf("%w: no header", ErrDamagedInput)
	}
	var d [3]int
	for i := range d {
		d[i] = int(binary.LittleEndian.Uint32(b[4+4*i:]))
		if d[i] < 1 || d[i] > maxCompactDim {
			return finetune.Compact{}, fmt.Errorf("%w: size %d", ErrDamagedInput, d[i])
		}
	}
	h, w, c := d[0], d[1], d[2]
	if h*w*c > maxCompactLen || len(b) != EncodedBytes(h, w, c) {
		return finetune.Compact{}, fmt.Errorf("%w: %d bytes for [%d,%d,%d]", ErrDamagedInput, len(b), h, w, c)
	}
	body := b[:len(b)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return finetune.Compact{}, fmt.Errorf("%w: checksum", ErrDamagedInput)
	}
	q := finetune.Compact{H: h, W: w, C: c, Scale: make([]float32, c), Codes: make([]uint8, h*w*c)}
	for k := range q.Scale {
		s := math.Float32frombits(binary.LittleEndian.Uint32(body[compactHeader+4*k:]))
		if !(s >= 0) || math.IsInf(float64(s), 0) {
			return finetune.Compact{}, fmt.Errorf("%w: scale %g", ErrDamagedInput, s)
		}
		q.Scale[k] = s
	}
	copy(q.Codes, body[compactHeader+4*c:])
	return q, nil
}
