// compact_codec_test.go: the block-input encoding round-trips and refuses damaged entries; its
// decoder never panics on arbitrary bytes (fuzz).
package blockinput

import (
	"errors"
	"fmt"
	"github.com/graftml/graft/core/finetune"
	"slices"
	"testing"
)

func codecSample(t testing.TB) finetune.Compact {
	h, w, c := 3, 2, 5
	x := make([]float32, h*w*c)
	for i := range x {
		x[i] = float32((i*7)%11) / 3
	}
	for i := 4; i < len(x); i += c { // channel 4 all zero: scale 0
		x[i] = 0
	}
	q, err := finetune.Compress(x, h, w, c)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestCompactEncoding(t *testing.T) {
	q := codecSample(t)
	b := EncodeCompact(q)
	if want := int(finetune.CompactBytes(q.H, q.W, q.C)) + compactHeader + 4; len(b) != want || EncodedBytes(q.H, q.W, q.C) != want {
		t.Errorf("%d bytes (EncodedBytes %d), want %d", len(b), EncodedBytes(q.H, q.W, q.C), want)
	}
	got, err := DecodeCompact(b)
	if err != nil || got.H != q.H || got.W != q.W || got.C != q.C || !slices.Equal(got.Codes, q.Codes) || !slices.Equal(got.Scale, q.Scale) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	damage := map[string][]byte{
		"empty":     nil,
		"truncated": b[:len(b)-1],
		"longer":    append(slices.Clone(b), 0),
		"magic":     append([]byte("GBI0"), b[4:]...),
	}
	for _, at := range []int{4, 16, compactHeader + 4*q.C + 3, len(b) - 1} { // a size, a scale, a code, the CRC
		d := slices.Clone(b)
		d[at] ^= 0x10
		damage[fmt.Sprintf("byte %d", at)] = d
	}
	huge := slices.Clone(b)
	huge[4], huge[5] = 0xff, 0xff
	damage["huge size"] = huge
	for name, d := range damage {
		if _, err := DecodeCompact(d); !errors.Is(err, ErrDamagedInput) {
			t.Errorf("%s: %v, want ErrDamagedInput", name, err)
		}
	}
}

func FuzzDecodeCompact(f *testing.F) {
	f.Add(EncodeCompact(codecSample(f)))
	f.Add([]byte("GBI1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := DecodeCompact(b)
		if err != nil {
			if !errors.Is(err, ErrDamagedInput) {
				t.Fatalf("error %v is not ErrDamagedInput", err)
			}
			return
		}
		if len(q.Codes) != q.H*q.W*q.C || len(q.Scale) != q.C {
			t.Fatalf("decoded [%d,%d,%d] with %d codes, %d scales", q.H, q.W, q.C, len(q.Codes), len(q.Scale))
		}
		if again := EncodeCompact(q); !slices.Equal(again, b) {
			t.Fatal("a decoded entry does not encode to the same bytes")
		}
	})
}
