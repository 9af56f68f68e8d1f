package format

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
)

// An injected Hasher (the browser's crypto.subtle.digest) verifies exactly what crypto/sha256
// does: the same chunks accepted, the same refused with the same error; a Hasher that fails
// falls back to crypto/sha256; and the Loader does use the injected one.
func TestHasherAcceptsWhatSHA256Accepts(t *testing.T) {
	tm := buildTestModel(t, DTypeInt8, "conv3", 6)
	type input struct {
		file string
		data []byte
	}
	var inputs []input
	for i, c := range tm.chunks {
		corrupt := bytes.Clone(c.Data)
		corrupt[i%len(corrupt)] ^= 0x80
		swapped := bytes.Clone(tm.chunks[(i+1)%len(tm.chunks)].Data)
		inputs = append(inputs, input{c.File, corrupt}, input{c.File, swapped}, input{c.File, c.Data[:len(c.Data)-1]})
	}
	for _, c := range tm.chunks {
		inputs = append(inputs, input{c.File, c.Data}, input{c.File, c.Data})
	}
	outcome := func(l *Loader) []string {
		var got []string
		for _, in := range inputs {
			_, err := l.AddChunk(in.file, in.data)
			got = append(got, errString(err))
		}
		return got
	}
	want := outcome(tm.loader(t))

	calls := 0
	exact := func(data []byte) ([sha256.Size]byte, error) { calls++; return sha256.Sum256(data), nil }
	failing := func([]byte) ([sha256.Size]byte, error) { return [sha256.Size]byte{}, errors.New("no WebCrypto here") }
	for name, h := range map[string]Hasher{"exact": exact, "failing (falls back)": failing} {
		l := tm.loader(t)
		l.SetHasher(h)
		got := outcome(l)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s hasher, input %d (%s): %q, crypto/sha256 gives %q", name, i, inputs[i].file, got[i], want[i])
			}
		}
		if p := l.Progress(); p.ChunksDone != len(tm.chunks) {
			t.Errorf("%s hasher: %d of %d chunks verified", name, p.ChunksDone, len(tm.chunks))
		}
		tm.checkWeights(t, l, true)
	}
	if calls == 0 {
		t.Error("the exact hasher was never called")
	}
	// A hasher that lies is believed: the Loader uses the injected digest, not its own.
	l := tm.loader(t)
	l.SetHasher(func([]byte) ([sha256.Size]byte, error) { return [sha256.Size]byte{1}, nil })
	if _, err := l.AddChunk(tm.chunks[0].File, tm.chunks[0].Data); !errors.Is(err, ErrChunkHash) {
		t.Errorf("with a wrong digest: %v, want ErrChunkHash", err)
	}
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
