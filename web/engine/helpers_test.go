// Test fixtures: one complete synthetic int8 model (weights/convert with every weight filled by
// resnet50.Synthetic), converted once per test binary, and fakes for the network and the store.
package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights/convert"
	"github.com/graftml/graft/weights/format"
)

type emptySource struct{}

func (emptySource) Weight(layer, short string) ([]int, []float32, error) {
	return nil, nil, fmt.Errorf("%s/%s: %w", layer, short, resnet50.ErrMissing)
}

// partialSource is like ../shared's partial Keras file: every weight "present" (seeded values)
// except those of conv5 blocks 2–3 and the classifier, which the converter then fills and marks
// synthetic. The last layer with real weights is conv5_block1_out.
type partialSource struct{ inner resnet50.Synthetic }

func (p *partialSource) Weight(layer, short string) ([]int, []float32, error) {
	if strings.HasPrefix(layer, "conv5_block2") || strings.HasPrefix(layer, "conv5_block3") || layer == "predictions" {
		return nil, nil, fmt.Errorf("%s/%s: %w", layer, short, resnet50.ErrMissing)
	}
	return p.inner.Weight(layer, short)
}

// fixtureFeatureLayer is partialSource's last real output layer.
const fixtureFeatureLayer = "conv5_block1_out"

// fixture is a converted model: manifest.json and its chunks in payload order.
type fixture struct {
	manifest []byte
	files    []string // chunk files, payload order (unique)
	chunks   map[string][]byte
}

var (
	fixtureOnce sync.Once
	fixtureVal  *fixture
	fixtureErr  error
)

// testModel converts partialSource with the synthetic fill (~1 s, once).
func testModel(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		res, err := convert.Convert(&partialSource{inner: resnet50.Synthetic{Inner: emptySource{}, Seed: 11}},
			convert.Options{Missing: convert.MissingSynthetic, Seed: 7})
		if err != nil {
			fixtureErr = err
			return
		}
		m, err := res.Manifest.Marshal()
		if err != nil {
			fixtureErr = err
			return
		}
		f := &fixture{manifest: m, chunks: map[string][]byte{}}
		for _, c := range res.Chunks {
			if _, dup := f.chunks[c.File]; !dup {
				f.files = append(f.files, c.File)
			}
			f.chunks[c.File] = c.Data
		}
		fixtureVal = f
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureVal
}

// fakeNet serves the fixture with scripted faults, and records what it was asked.
type fakeNet struct {
	f *fixture

	mu          sync.Mutex
	transient   map[string]int // file → transport errors to return before succeeding
	corrupt     map[string]int // file → corrupt bodies to return before the good one
	status      map[string]int // file → permanent HTTP status
	fetches     map[string]int
	inflight    int
	maxInflight int
	delay       time.Duration // time each fetch takes (lets fetches overlap)
}

func newFakeNet(f *fixture) *fakeNet {
	return &fakeNet{f: f, transient: map[string]int{}, corrupt: map[string]int{}, status: map[string]int{}, fetches: map[string]int{}}
}

var errConnReset = errors.New("connection reset by peer")

func (n *fakeNet) Fetch(ctx context.Context, file string) ([]byte, error) {
	n.mu.Lock()
	n.fetches[file]++
	n.inflight++
	n.maxInflight = max(n.maxInflight, n.inflight)
	n.mu.Unlock()
	if n.delay > 0 {
		time.Sleep(n.delay)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.inflight--
	if code := n.status[file]; code != 0 {
		return nil, &StatusError{File: file, Code: code}
	}
	if n.transient[file] > 0 {
		n.transient[file]--
		return nil, errConnReset
	}
	var data []byte
	if file == format.ManifestFile {
		data = n.f.manifest
	} else if d, ok := n.f.chunks[file]; ok {
		data = d
	} else {
		return nil, &StatusError{File: file, Code: 404}
	}
	data = append([]byte(nil), data...)
	if n.corrupt[file] > 0 {
		n.corrupt[file]--
		data[len(data)/3] ^= 0x40
	}
	return data, nil
}

// chunkFetches counts fetches of chunk files.
func (n *fakeNet) chunkFetches() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	total := 0
	for f, c := range n.fetches {
		if f != format.ManifestFile {
			total += c
		}
	}
	return total
}

// memStore is a Store in memory.
type memStore struct {
	mu     sync.Mutex
	files  map[string][]byte
	putErr error
}

func newMemStore() *memStore { return &memStore{files: map[string][]byte{}} }

func (s *memStore) Get(_ context.Context, file string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.files[file]
	return append([]byte(nil), d...), ok, nil
}

func (s *memStore) Put(_ context.Context, file string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.putErr != nil {
		return s.putErr
	}
	s.files[file] = append([]byte(nil), data...)
	return nil
}

func (s *memStore) Delete(_ context.Context, file string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, file)
	return nil
}

func (s *memStore) Files(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for f := range s.files {
		out = append(out, f)
	}
	return out, nil
}

// recordSleep replaces Downloader.Sleep: it records the waits and returns at once.
type recordSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recordSleep) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return ctx.Err()
}
