// openset_test.go: head files with an open set and a calibration (FORMAT.md version 3): round
// trip with and without a trunk, versions 1 and 2 kept for models without them, and refusal of
// sections that do not fit.
package headfile

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"

	"github.com/graftml/graft/core/head"
)

// withOpenSet is m with an open set fitted on random features (no calibration: a head trained
// without a validation split has none).
func withOpenSet(t *testing.T, m *head.Model) *head.Model {
	t.Helper()
	f, c := m.Features(), len(m.Classes)
	d := blobs(c, 12, 9)
	x := func(i int) []float32 { // blobs has 64 features; repeat them to f
		out := make([]float32, f)
		for j := range out {
			out[j] = d.Examples[i].Views[0][j%len(d.Examples[i].Views[0])]
		}
		return out
	}
	labels, train := make([]int, len(d.Examples)), make([]int, len(d.Examples))
	for i, e := range d.Examples {
		labels[i], train[i] = e.Label, i
	}
	if err := m.Calibrate(x, labels, train, nil); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOpenSetFileRoundTrip(t *testing.T) {
	for name, m := range map[string]*head.Model{
		"calibrated head": calibratedModel(t),
		"trunk, open set": withOpenSet(t, trunkModel(t)),
	} {
		data, err := Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if v := binary.LittleEndian.Uint32(data[8:]); v != FileVersion {
			t.Fatalf("%s: written as version %d", name, v)
		}
		got, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got.OpenSet, m.OpenSet) || !reflect.DeepEqual(got.Calibration, m.Calibration) || !reflect.DeepEqual(got.Trunk, m.Trunk) {
			t.Fatalf("%s: round trip changed the open set, the calibration or the trunk", name)
		}
		if again, _ := Marshal(got); !bytes.Equal(again, data) {
			t.Fatalf("%s: re-marshalled file differs", name)
		}
		x := make([]float32, m.Features())
		for j := range x {
			x[j] = float32(j%7) - 3
		}
		s0, c0 := m.OpenSet.Score(x)
		s1, c1 := got.OpenSet.Score(x)
		p0, _ := m.Probabilities(x, 1)
		p1, _ := got.Probabilities(x, 1)
		if s0 != s1 || c0 != c1 || !reflect.DeepEqual(p0, p1) {
			t.Fatalf("%s: score %g (class %d), probabilities %v after the round trip; %g (class %d), %v before", name, s1, c1, p1, s0, c0, p0)
		}
	}
	// The same models without them are written as before.
	for name, c := range map[string]struct {
		m       *head.Model
		version uint32
	}{"head": {calibratedModel(t), FileVersion1}, "trunk": {withOpenSet(t, trunkModel(t)), FileVersionTrunk}} {
		c.m.OpenSet, c.m.Calibration = nil, nil
		data, err := Marshal(c.m)
		if err != nil {
			t.Fatal(err)
		}
		if v := binary.LittleEndian.Uint32(data[8:]); v != c.version {
			t.Errorf("%s without open set or calibration: version %d, want %d", name, v, c.version)
		}
	}
}

func TestOpenSetFileRejects(t *testing.T) {
	good, err := Marshal(calibratedModel(t))
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) []byte {
		return rewriteHeader(t, good, func(h string) string {
			if !strings.Contains(h, old) {
				t.Fatalf("header has no %q: %s", old, h)
			}
			return strings.Replace(h, old, new, 1)
		})
	}
	asVersion := func(data []byte, v uint32) []byte {
		d := bytes.Clone(data)
		binary.LittleEndian.PutUint32(d[8:], v)
		return d
	}
	plain, _ := Marshal(trainedModel(t))
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"version 1 with them", asVersion(good, FileVersion1), "no calibration or open set"},
		{"version 2 with them", asVersion(good, FileVersionTrunk), "trunk"},
		{"version 3 without them", asVersion(plain, FileVersion), "needs its calibration or its open set"},
		{"method", replace(`"method":"log-mahalanobis-lw"`, `"method":"knn"`), "method"},
		{"components", replace(`"components":`, `"components":1`), "components"},
		{"threshold", replace(`"threshold":`, `"threshold":-`), "threshold"},
		{"shrinkage", replace(`"shrinkage":`, `"shrinkage":4`), "shrinkage"},
		{"held out", replace(`"held_out":"validation"`, `"held_out":"train"`), "held out"},
		{"temperature", replace(`"temperature":`, `"temperature":99`), "temperature"},
		{"unknown field", replace(`"open_set":{`, `"open_set":{"k":1,`), "unknown field"},
	} {
		got, err := Parse(c.data)
		if err == nil || got != nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}
