// Tests of the model format: write → read round trips, chunks in any order, refusal of corrupt,
// truncated, unknown and missing chunks without losing verified ones, manifest validation and
// version checks, and partial models through resnet50.New.
package format

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/graftml/graft/core/resnet50"
)

func TestRoundTripThroughFolder(t *testing.T) {
	for _, dtype := range []string{DTypeInt8, DTypeFloat32} {
		t.Run(dtype, func(t *testing.T) {
			tm := buildTestModel(t, dtype, "conv3", 1)
			dir := t.TempDir()
			// A chunk left by an earlier conversion must go; other files stay.
			stale := filepath.Join(dir, strings.Repeat("ab", 32)+ChunkSuffix)
			other := filepath.Join(dir, "README.txt")
			for _, p := range []string{stale, other} {
				if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteDir(dir, tm.m, tm.chunks); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(stale); !os.IsNotExist(err) {
				t.Fatalf("stale chunk kept: %v", err)
			}
			if _, err := os.Stat(other); err != nil {
				t.Fatalf("unrelated file removed: %v", err)
			}
			l, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(l.Manifest(), tm.m) {
				t.Fatal("manifest read back differs from the one written")
			}
			if !l.Complete() || l.LastLayer() != "conv3_block4_out" || l.Manifest().Model.LastLayer != "conv3_block4_out" {
				t.Fatalf("complete %v, last layer %s / %s", l.Complete(), l.LastLayer(), l.Manifest().Model.LastLayer)
			}
			tm.checkWeights(t, l, true)
			if !l.Synthetic() {
				t.Fatal("a model with synthetic layers says it has none")
			}
		})
	}
}

func TestLayoutIsExecutionOrderAndChunked(t *testing.T) {
	tm := buildTestModel(t, DTypeFloat32, "conv3", 2)
	if len(tm.chunks) < 3 {
		t.Fatalf("%d chunks; the test needs a model spanning several", len(tm.chunks))
	}
	spanning := 0
	var prev int64 = -1
	for _, tn := range tm.m.Tensors {
		at := int64(tn.Chunk)*MaxChunkBytes + tn.Offset
		if at <= prev {
			t.Fatalf("%s at payload offset %d, not after the previous tensor", tn.Name, at)
		}
		prev = at
		if tn.Offset+tn.Length > MaxChunkBytes {
			spanning++
		}
	}
	if spanning == 0 {
		t.Fatal("no tensor spans two chunks; the test model should have one")
	}
	if tm.m.Tensors[0].Name != "conv1_conv/kernel:0" || tm.m.Tensors[0].Chunk != 0 {
		t.Fatalf("first tensor %s in chunk %d, want conv1_conv/kernel:0 in chunk 0", tm.m.Tensors[0].Name, tm.m.Tensors[0].Chunk)
	}
	for i, c := range tm.chunks {
		if len(c.Data) > MaxChunkBytes || i < len(tm.chunks)-1 && len(c.Data) != MaxChunkBytes {
			t.Fatalf("chunk %d has %d bytes", i, len(c.Data))
		}
	}
}

// TestChunksInAnyOrder feeds chunks in order, reversed and shuffled: every tensor and stored
// layer is reported complete exactly once, and the usable prefix only grows.
func TestChunksInAnyOrder(t *testing.T) {
	tm := buildTestModel(t, DTypeFloat32, "conv3", 3)
	n := len(tm.chunks)
	orders := map[string][]int{"in order": {}, "reversed": {}, "shuffled": {}}
	for i := range n {
		orders["in order"] = append(orders["in order"], i)
		orders["reversed"] = append(orders["reversed"], n-1-i)
	}
	orders["shuffled"] = rand.New(rand.NewPCG(4, 5)).Perm(n)
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			l := tm.loader(t)
			tensors, layers := map[string]int{}, map[string]int{}
			lastIdx := -1
			for step, i := range order {
				c := tm.chunks[i]
				p, err := l.AddChunk(c.File, c.Data)
				if err != nil {
					t.Fatal(err)
				}
				for _, tn := range p.Tensors {
					tensors[tn]++
				}
				for _, ly := range p.Layers {
					layers[ly]++
				}
				idx := resnet50.LayerIndex(p.LastLayer)
				if idx < lastIdx {
					t.Fatalf("last layer went back to %s", p.LastLayer)
				}
				lastIdx = idx
				if p.ChunksDone != step+1 || p.ChunksTotal != n {
					t.Fatalf("progress %d/%d after %d chunks", p.ChunksDone, p.ChunksTotal, step+1)
				}
				if name == "in order" && step == 0 && layers["conv1_conv"] != 1 {
					t.Fatal("conv1_conv is not complete after the first chunk")
				}
				tm.checkWeights(t, l, false)
			}
			for _, tn := range tm.m.Tensors {
				if tensors[tn.Name] != 1 {
					t.Fatalf("%s reported complete %d times", tn.Name, tensors[tn.Name])
				}
			}
			for _, ly := range tm.m.Layers {
				if want := map[bool]int{true: 0, false: 1}[ly.State == StateTruncated]; layers[ly.Name] != want {
					t.Fatalf("layer %s (%s) reported complete %d times", ly.Name, ly.State, layers[ly.Name])
				}
			}
			if !l.Complete() || len(l.Pending()) != 0 {
				t.Fatalf("not complete after every chunk; pending %v", l.Pending())
			}
			tm.checkWeights(t, l, true)
		})
	}
}

// TestBadChunksAreRefusedAndNamed: each bad chunk is refused with an error naming it, and the
// loader keeps what it had.
func TestBadChunksAreRefusedAndNamed(t *testing.T) {
	tm := buildTestModel(t, DTypeInt8, "conv3", 6)
	other := buildTestModel(t, DTypeInt8, "conv3", 7) // another model: its chunks are mismatched here
	l := tm.loader(t)
	first, second := tm.chunks[0], tm.chunks[1]
	if _, err := l.AddChunk(first.File, first.Data); err != nil {
		t.Fatal(err)
	}
	before := l.Progress()
	corrupt := bytes.Clone(second.Data)
	corrupt[len(corrupt)/2] ^= 1
	cases := []struct {
		name, file string
		data       []byte
		want       error
	}{
		{"corrupt", second.File, corrupt, ErrChunkHash},
		{"truncated", second.File, second.Data[:len(second.Data)-1], ErrChunkLength},
		{"empty", second.File, nil, ErrChunkLength},
		{"padded", second.File, append(bytes.Clone(second.Data), 0), ErrChunkLength},
		{"another model's chunk", other.chunks[1].File, other.chunks[1].Data, ErrUnknownChunk},
		{"another chunk's bytes", second.File, bytes.Clone(first.Data[:len(second.Data)]), ErrChunkHash},
		{"a corrupt copy of a verified chunk", first.File, corrupt[:0:0], ErrChunkLength},
		{"a path instead of a name", "../" + second.File, second.Data, ErrUnknownChunk},
	}
	for _, c := range cases {
		p, err := l.AddChunk(c.file, c.data)
		var ce *ChunkError
		if !errors.As(err, &ce) || !errors.Is(err, c.want) || ce.File != c.file || !strings.Contains(err.Error(), c.file) {
			t.Fatalf("%s: got %v, want a *ChunkError for %s wrapping %v", c.name, err, c.file, c.want)
		}
		if !reflect.DeepEqual(p, before) || !reflect.DeepEqual(l.Progress(), before) {
			t.Fatalf("%s: progress changed from %+v to %+v", c.name, before, l.Progress())
		}
	}
	// What was verified is still served, and the good chunk is still accepted.
	if _, _, err := l.Weight("conv1_conv", "kernel"); err != nil {
		t.Fatalf("conv1 lost after refused chunks: %v", err)
	}
	for _, c := range tm.chunks[1:] {
		if _, err := l.AddChunk(c.File, c.Data); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.AddChunk(first.File, first.Data); err != nil { // again: no effect
		t.Fatal(err)
	}
	if p := l.Progress(); p.ChunksDone != len(tm.chunks) || p.BytesDone != p.BytesTotal {
		t.Fatalf("progress %+v after every chunk", p)
	}
	tm.checkWeights(t, l, true)
}

func TestMissingChunkFileIsNamed(t *testing.T) {
	tm := buildTestModel(t, DTypeInt8, "conv3", 8)
	dir := t.TempDir()
	if err := WriteDir(dir, tm.m, tm.chunks); err != nil {
		t.Fatal(err)
	}
	victim := tm.chunks[len(tm.chunks)-1].File
	if err := os.Remove(filepath.Join(dir, victim)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), victim) {
		t.Fatalf("got %v, want an error naming %s", err, victim)
	}
	// A chunk file changed on disk is named too.
	if err := os.WriteFile(filepath.Join(dir, victim), tm.chunks[0].Data[:10], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); !errors.Is(err, ErrChunkLength) || !strings.Contains(err.Error(), victim) {
		t.Fatalf("got %v, want ErrChunkLength naming %s", err, victim)
	}
}

// TestPartialModelRunsItsPrefix: with only the first chunks in, resnet50.New builds a model
// whose last layer is the loader's, and tensors still missing are reported as missing.
func TestPartialModelRunsItsPrefix(t *testing.T) {
	tm := buildTestModel(t, DTypeInt8, "conv4", 9)
	l := tm.loader(t)
	if _, err := resnet50.New(l, resnet50.Options{}); err == nil {
		t.Fatal("a model was built before any chunk arrived")
	}
	seen := 0
	for k, c := range tm.chunks {
		if _, err := l.AddChunk(c.File, c.Data); err != nil {
			t.Fatal(err)
		}
		model, err := resnet50.New(l, resnet50.Options{})
		if err != nil {
			if l.LastLayer() == "" {
				continue
			}
			t.Fatalf("after %d chunks (loader at %s): %v", k+1, l.LastLayer(), err)
		}
		if model.LastLayer() != l.LastLayer() {
			t.Fatalf("after %d chunks: model ends at %s, loader says %s", k+1, model.LastLayer(), l.LastLayer())
		}
		if k < len(tm.chunks)-1 {
			seen++
			if _, _, err := l.Weight("conv4_block6_3_conv", "kernel"); !errors.Is(err, resnet50.ErrMissing) {
				t.Fatalf("a tensor of the last chunk is served early: %v", err)
			}
		}
	}
	if seen < 2 {
		t.Fatalf("only %d partial models were checked", seen)
	}
	if _, _, err := l.Weight("conv5_block1_1_conv", "kernel"); !errors.Is(err, resnet50.ErrMissing) {
		t.Fatalf("truncated layer: got %v, want ErrMissing", err)
	}
	if _, _, err := l.Weight("conv1_bn", "gamma"); !errors.Is(err, resnet50.ErrMissing) || !strings.Contains(err.Error(), "folded") {
		t.Fatalf("BN weight: got %v, want ErrMissing saying it is folded", err)
	}
}

func TestVersionMismatch(t *testing.T) {
	tm := buildTestModel(t, DTypeInt8, "conv2", 10)
	for _, field := range []string{"format_version", "quantization_version"} {
		var m map[string]any
		mustUnmarshal(t, tm.manifestJSON(t), &m)
		m[field] = 2
		_, err := NewLoader(mustMarshal(t, m))
		if !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), field+" 2") || !strings.Contains(err.Error(), "graft convert") {
			t.Fatalf("%s 2: got %v, want ErrVersion that names it and says what to do", field, err)
		}
	}
	var m map[string]any
	mustUnmarshal(t, tm.manifestJSON(t), &m)
	m["format"] = "gguf"
	if _, err := NewLoader(mustMarshal(t, m)); err == nil || !strings.Contains(err.Error(), "not a Graft model") {
		t.Fatalf("another format: got %v", err)
	}
}

// TestManifestValidation mutates a valid manifest in every way a reader relies on; each must be
// refused.
func TestManifestValidation(t *testing.T) {
	tm := buildTestModel(t, DTypeInt8, "conv3", 11)
	mutations := map[string]func(m *Manifest){
		"overlapping tensors":   func(m *Manifest) { m.Tensors[1].Span = m.Tensors[0].Span; m.Tensors[1].Length = 64 * 4 },
		"misaligned offset":     func(m *Manifest) { m.Tensors[0].Offset += 4 },
		"offset past its chunk": func(m *Manifest) { m.Tensors[0].Offset = m.Chunks[0].Bytes },
		"negative offset":       func(m *Manifest) { m.Tensors[0].Offset = -16 },
		"past the payload": func(m *Manifest) {
			last := len(m.Tensors) - 1
			m.Tensors[last].Chunk = len(m.Chunks) - 1
			m.Tensors[last].Offset = 0
			m.Chunks[len(m.Chunks)-1].Bytes = 16
		},
		"chunk index out of range": func(m *Manifest) { m.Tensors[0].Chunk = len(m.Chunks) },
		"wrong length":             func(m *Manifest) { m.Tensors[0].Length-- },
		"wrong shape":              func(m *Manifest) { m.Tensors[0].Shape = []int{7, 7, 3, 63} },
		"wrong dtype":              func(m *Manifest) { m.Tensors[1].DType = DTypeInt8 },
		"int8 without scales":      func(m *Manifest) { m.Tensors[0].Scales = nil },
		"scales of wrong length":   func(m *Manifest) { s := *m.Tensors[0].Scales; s.Length = 4; m.Tensors[0].Scales = &s },
		"missing tensor":           func(m *Manifest) { m.Tensors = m.Tensors[1:] },
		"tensors out of order":     func(m *Manifest) { m.Tensors[0], m.Tensors[1] = m.Tensors[1], m.Tensors[0] },
		"layers out of order":      func(m *Manifest) { m.Layers[0], m.Layers[1] = m.Layers[1], m.Layers[0] },
		"unknown layer state":      func(m *Manifest) { m.Layers[0].State = "partial" },
		"stored layer truncated":   func(m *Manifest) { m.Layers[0].State = StateTruncated },
		"synthetic unexplained":    func(m *Manifest) { m.Model.Synthetic = nil },
		"wrong last layer":         func(m *Manifest) { m.Model.LastLayer = "predictions" },
		"bad sha256":               func(m *Manifest) { m.Chunks[0].SHA256 = strings.ToUpper(m.Chunks[0].SHA256) },
		"file is not its hash":     func(m *Manifest) { m.Chunks[0].File = "../" + m.Chunks[0].File },
		"chunk too large":          func(m *Manifest) { m.Chunks[len(m.Chunks)-1].Bytes = MaxChunkBytes + 1 },
		"short middle chunk":       func(m *Manifest) { m.Chunks[0].Bytes = MaxChunkBytes - 16 },
		"no chunks":                func(m *Manifest) { m.Chunks = nil },
		"other architecture":       func(m *Manifest) { m.Model.Architecture = "keras.applications.resnet.ResNet101" },
		"id of another dtype":      func(m *Manifest) { m.Model.ID = strings.Replace(m.Model.ID, ".int8.", ".float32.", 1) },
		"not folded":               func(m *Manifest) { m.Model.BatchNorm = "separate" },
		"other preprocessing":      func(m *Manifest) { m.Preprocessing.Mode = "torch" },
		"other input size":         func(m *Manifest) { m.Preprocessing.InputShape[0] = 299 },
	}
	if _, err := NewLoader(tm.manifestJSON(t)); err != nil {
		t.Fatalf("the unmutated manifest is refused: %v", err)
	}
	for name, mutate := range mutations {
		var m Manifest
		mustUnmarshal(t, tm.manifestJSON(t), &m)
		mutate(&m)
		if _, err := NewLoader(mustMarshal(t, &m)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, data := range map[string][]byte{
		"empty":            nil,
		"not JSON":         []byte("\x89PNG"),
		"trailing garbage": append(tm.manifestJSON(t), '}'),
		"too large":        bytes.Repeat([]byte(" "), MaxManifestBytes+1),
	} {
		if _, err := NewLoader(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestConcurrentChunks adds chunks from several goroutines (the browser fetches with bounded
// concurrency); run with -race to check the locking.
func TestConcurrentChunks(t *testing.T) {
	tm := buildTestModel(t, DTypeFloat32, "conv3", 12)
	l := tm.loader(t)
	errs := make(chan error, len(tm.chunks))
	for _, c := range slices.Backward(tm.chunks) {
		go func() {
			_, err := l.AddChunk(c.File, c.Data)
			errs <- err
		}()
	}
	for range tm.chunks {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	tm.checkWeights(t, l, true)
}
