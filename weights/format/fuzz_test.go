// Fuzz tests of the two parsers a hostile server or a broken cache can reach: the manifest and
// the chunks (style #13). Seeds are a real manifest and chunks; the corpora the fuzzer found
// interesting are kept in testdata/fuzz. FuzzManifest mutates raw bytes; FuzzManifestField
// puts one hostile value into one field of a valid manifest, which reaches the validation
// behind the JSON decoding far more often.
//
//	go test -run '^$' -fuzz FuzzManifest$ -fuzztime 60s -fuzzminimizetime 1s ./weights/format
//	go test -run '^$' -fuzz FuzzManifestField -fuzztime 60s -fuzzminimizetime 1s ./weights/format
//	go test -run '^$' -fuzz FuzzAddChunk -fuzztime 60s -fuzzminimizetime 1s ./weights/format
//
// -fuzzminimizetime matters: by default each new interesting input is minimized for up to 60 s,
// and minimizing a 7 KB manifest takes all of it, so the fuzzer seems stuck at "0/sec".
package format

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"testing"
)

// fuzzModel is small (conv1 alone in int8: one 10 KB chunk) so that fuzzing spends its time
// parsing, not building.
func fuzzModel(f *testing.F) *testModel { return buildTestModel(f, DTypeInt8, "conv1", 13) }

func FuzzManifest(f *testing.F) {
	tm := fuzzModel(f)
	good := tm.manifestJSON(f)
	f.Add(good)
	f.Add([]byte(`{"format":"graft-chunked-model","format_version":1,"quantization_version":1}`))
	f.Add(bytes.Replace(good, []byte(`"offset": 0`), []byte(`"offset": -1`), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := NewLoader(data)
		if err != nil {
			return
		}
		// Accepted: it must survive a round trip and answer every question without panicking.
		again, err := l.Manifest().Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewLoader(again); err != nil {
			t.Fatalf("an accepted manifest does not read back: %v", err)
		}
		_ = l.Pending()
		_ = l.Progress()
		for _, tn := range l.Manifest().Tensors {
			layer := layerOf(tn.Name)
			_, _, _ = l.Weight(layer, "kernel")
		}
	})
}

func FuzzAddChunk(f *testing.F) {
	tm := fuzzModel(f)
	for _, c := range tm.chunks {
		f.Add(c.File, c.Data)
		f.Add(c.File, c.Data[:len(c.Data)/2])
	}
	f.Add("manifest.json", []byte("{}"))
	l := tm.loader(f) // shared: a chunk accepted once is accepted again without effect
	f.Fuzz(func(t *testing.T, file string, data []byte) {
		_, err := l.AddChunk(file, data)
		if err != nil {
			return
		}
		// Accepted: it must be the chunk of that name, byte for byte.
		for _, c := range tm.chunks {
			if c.File == file {
				if !bytes.Equal(c.Data, data) {
					t.Fatalf("chunk %s accepted with other content", file)
				}
				return
			}
		}
		t.Fatalf("unknown chunk %q accepted", file)
	})
}

// FuzzManifestField sets one leaf of a valid manifest (chosen by index among all leaves, in a
// fixed order) to a fuzzed number or string, or deletes it, and parses the result.
func FuzzManifestField(f *testing.F) {
	tm := fuzzModel(f)
	good := tm.manifestJSON(f)
	var probe any
	mustUnmarshal(f, good, &probe)
	nLeaves := len(leafPaths(probe, ""))
	for i := range nLeaves {
		f.Add(uint16(i), int64(-1), "", uint8(0))
	}
	f.Add(uint16(0), int64(1)<<40, "conv1_conv", uint8(1))
	f.Fuzz(func(t *testing.T, leaf uint16, num int64, str string, how uint8) {
		var doc any
		mustUnmarshal(t, good, &doc)
		paths := leafPaths(doc, "")
		path := paths[int(leaf)%len(paths)]
		var value any
		switch how % 3 {
		case 0:
			value = num
		case 1:
			value = str
		default:
			value = nil // delete
		}
		setLeaf(doc, path, value)
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		l, err := NewLoader(data)
		if err != nil {
			return
		}
		// Accepted: the chunk must still load and serve conv1 as written.
		for _, c := range tm.chunks {
			if _, err := l.AddChunk(c.File, c.Data); err != nil {
				return // the change moved a span or renamed a chunk consistently: refused here, fine
			}
		}
		_, _, _ = l.Weight("conv1_conv", "kernel")
		_, _, _ = l.Weight("conv1_conv", "bias")
	})
}

// leafPaths lists the paths ("/tensors/0/offset") of every non-container value in doc, sorted.
func leafPaths(doc any, prefix string) []string {
	var out []string
	switch v := doc.(type) {
	case map[string]any:
		for k, x := range v {
			out = append(out, leafPaths(x, prefix+"/"+k)...)
		}
	case []any:
		for i, x := range v {
			out = append(out, leafPaths(x, prefix+"/"+strconv.Itoa(i))...)
		}
	default:
		out = append(out, prefix)
	}
	sort.Strings(out)
	return out
}

// setLeaf sets (value non-nil) or deletes (nil; in an array: sets null) the leaf at path.
func setLeaf(doc any, path string, value any) {
	parts := bytes.Split([]byte(path[1:]), []byte("/"))
	for i, p := range parts {
		last := i == len(parts)-1
		switch v := doc.(type) {
		case map[string]any:
			if last {
				if value == nil {
					delete(v, string(p))
				} else {
					v[string(p)] = value
				}
				return
			}
			doc = v[string(p)]
		case []any:
			n, _ := strconv.Atoi(string(p))
			if last {
				v[n] = value
				return
			}
			doc = v[n]
		}
	}
}
