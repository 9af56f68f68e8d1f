// Tests of the LEB128 encoders against the examples of the spec and of the DWARF standard (where
// LEB128 comes from), plus round trips over edge values.
package asm

import (
	"bytes"
	"math"
	"testing"
)

func TestAppendU32Known(t *testing.T) {
	cases := []struct {
		v    uint32
		want []byte
	}{
		{0, []byte{0x00}},
		{1, []byte{0x01}},
		{127, []byte{0x7f}},
		{128, []byte{0x80, 0x01}},
		{261, []byte{0x85, 0x02}}, // the relaxed_madd sub-opcode 0x105
		{624485, []byte{0xe5, 0x8e, 0x26}},
		{math.MaxUint32, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
	}
	for _, c := range cases {
		if got := appendU32(nil, c.v); !bytes.Equal(got, c.want) {
			t.Errorf("appendU32(%d) = % x, want % x", c.v, got, c.want)
		}
	}
}

func TestAppendS64Known(t *testing.T) {
	cases := []struct {
		v    int64
		want []byte
	}{
		{0, []byte{0x00}},
		{2, []byte{0x02}},
		{-1, []byte{0x7f}},
		{63, []byte{0x3f}},
		{64, []byte{0xc0, 0x00}}, // bit 6 set would read as negative: needs a second byte
		{-64, []byte{0x40}},
		{-65, []byte{0xbf, 0x7f}},
		{-123456, []byte{0xc0, 0xbb, 0x78}},
		{math.MinInt32, []byte{0x80, 0x80, 0x80, 0x80, 0x78}},
		{math.MaxInt32, []byte{0xff, 0xff, 0xff, 0xff, 0x07}},
	}
	for _, c := range cases {
		if got := appendS64(nil, c.v); !bytes.Equal(got, c.want) {
			t.Errorf("appendS64(%d) = % x, want % x", c.v, got, c.want)
		}
	}
}

func TestLEBRoundTrip(t *testing.T) {
	u32s := []uint32{0, 1, 63, 64, 127, 128, 255, 256, 16383, 16384, 1<<21 - 1, 1 << 21, 1<<28 - 1, 1 << 28, math.MaxUint32}
	for _, v := range u32s {
		b := appendU32(nil, v)
		got, n, err := readU32(b)
		if err != nil || got != v || n != len(b) {
			t.Errorf("u32 %d: read %d,%d,%v from % x", v, got, n, err, b)
		}
	}
	s64s := []int64{0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8192, -8193, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64}
	for _, v := range s64s {
		b := appendS64(nil, v)
		got, n, err := readS64(b, 64)
		if err != nil || got != v || n != len(b) {
			t.Errorf("s64 %d: read %d,%d,%v from % x", v, got, n, err, b)
		}
		if v >= math.MinInt32 && v <= math.MaxInt32 {
			if len(b) > 5 {
				t.Errorf("s32 %d encoded in %d bytes", v, len(b))
			}
			if got, _, err := readS64(b, 32); err != nil || got != v {
				t.Errorf("s32 %d: read %d,%v", v, got, err)
			}
		} else if _, _, err := readS64(b, 32); err == nil {
			t.Errorf("s32 read of out-of-range %d accepted", v)
		}
	}
}

func TestReadRejectsMalformed(t *testing.T) {
	for _, b := range [][]byte{nil, {0x80}, {0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, {0xff, 0xff, 0xff, 0xff, 0x1f}} {
		if _, _, err := readU32(b); err == nil {
			t.Errorf("readU32(% x) accepted", b)
		}
	}
}
