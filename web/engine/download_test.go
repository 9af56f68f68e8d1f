// Downloader against a fake network and an in-memory store: bounded concurrency, the store
// first, retries with backoff, refetches of a corrupt chunk, offline start from the stored
// manifest, pruning, and a store that refuses to keep files.
package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/web/wire"
	"github.com/graftml/graft/weights/format"
)

// run loads the fixture with d's settings and returns the session, the statuses seen, and the error.
func run(t *testing.T, d *Downloader) (*Session, []wire.Status, error) {
	t.Helper()
	var mu sync.Mutex
	var seen []wire.Status
	d.OnStatus = func(s wire.Status) {
		mu.Lock()
		seen = append(seen, s)
		mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := d.Run(ctx)
	return s, seen, err
}

func TestDownloadFromNetwork(t *testing.T) {
	f := testModel(t)
	net := newFakeNet(f)
	net.delay = 2 * time.Millisecond
	store := newMemStore()
	s, seen, err := run(t, &Downloader{Net: net, Store: store, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	last := seen[len(seen)-1]
	if last.Phase != wire.PhaseReady || last.FromNetwork != len(f.files) || last.FromCache != 0 || !last.Cached ||
		last.ChunksDone != last.ChunksTotal || last.LayersDone != last.LayersTotal || last.LayersTotal != 54 ||
		last.HeadLayer != app.HeadLayerTruncated || last.MaxUnfreeze != 6 || len(last.UnfreezeInputBytes) != 6 { // a synthetic fill
		t.Errorf("final status %+v", last)
	}
	if !s.Ready() || s.Loader().LastLayer() != "predictions" {
		t.Errorf("session ready %v, last layer %q", s.Ready(), s.Loader().LastLayer())
	}
	if net.maxInflight > 3 || net.maxInflight < 2 {
		t.Errorf("at most %d fetches ran at once; want 2..3 with Concurrency 3", net.maxInflight)
	}
	if len(store.files) != len(f.files)+1 {
		t.Errorf("the store holds %d files, want the %d chunks and the manifest", len(store.files), len(f.files))
	}
	// Progress only grows, and the phases come in order.
	order := map[string]int{wire.PhaseManifest: 0, wire.PhaseDownloading: 1, wire.PhaseReady: 2}
	for i := 1; i < len(seen); i++ {
		a, b := seen[i-1], seen[i]
		if b.BytesDone < a.BytesDone || b.LayersDone < a.LayersDone || order[b.Phase] < order[a.Phase] {
			t.Fatalf("status went backwards: %+v then %+v", a, b)
		}
	}
}

func TestDownloadResumesFromStore(t *testing.T) {
	f := testModel(t)
	store := newMemStore()
	half := len(f.files) / 2
	for _, file := range f.files[:half] {
		store.files[file] = f.chunks[file]
	}
	net := newFakeNet(f)
	_, seen, err := run(t, &Downloader{Net: net, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	last := seen[len(seen)-1]
	if last.FromCache != half || last.FromNetwork != len(f.files)-half || net.chunkFetches() != len(f.files)-half {
		t.Errorf("%d from the store, %d from the network (%d fetches); want %d and %d", last.FromCache, last.FromNetwork,
			net.chunkFetches(), half, len(f.files)-half)
	}
	// The next visit downloads nothing.
	net2 := newFakeNet(f)
	_, seen, err = run(t, &Downloader{Net: net2, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if last := seen[len(seen)-1]; net2.chunkFetches() != 0 || last.FromCache != len(f.files) || !last.Cached {
		t.Errorf("second visit: %d chunk fetches, %d from the store, cached %v; want 0, all, true", net2.chunkFetches(), last.FromCache, last.Cached)
	}
}

func TestDownloadReplacesCorruptStoredChunk(t *testing.T) {
	f := testModel(t)
	store := newMemStore()
	for _, file := range f.files {
		store.files[file] = f.chunks[file]
	}
	bad := f.files[4]
	store.files[bad] = append([]byte(nil), f.chunks[bad]...)
	store.files[bad][100] ^= 1
	net := newFakeNet(f)
	_, seen, err := run(t, &Downloader{Net: net, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if net.fetches[bad] != 1 || net.chunkFetches() != 1 {
		t.Errorf("fetches %v; want exactly the corrupt stored chunk once", net.fetches)
	}
	if string(store.files[bad]) != string(f.chunks[bad]) {
		t.Error("the store still holds the corrupt chunk")
	}
	if last := seen[len(seen)-1]; last.FromCache != len(f.files)-1 || last.FromNetwork != 1 {
		t.Errorf("%d from the store, %d from the network", last.FromCache, last.FromNetwork)
	}
}

func TestDownloadRetriesWithBackoff(t *testing.T) {
	f := testModel(t)
	net := newFakeNet(f)
	net.transient[f.files[1]] = 3
	net.transient[format.ManifestFile] = 1
	sleeps := &recordSleep{}
	_, seen, err := run(t, &Downloader{Net: net, Concurrency: 1, Sleep: sleeps.sleep,
		Backoff: Backoff{Initial: 100 * time.Millisecond, Max: 250 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond}
	if !slices.Equal(sleeps.waits, want) {
		t.Errorf("waited %v, want %v (manifest once, then the chunk three times)", sleeps.waits, want)
	}
	last := seen[len(seen)-1]
	if last.Retries != 4 || last.Phase != wire.PhaseReady || last.Notice != "" {
		t.Errorf("final status: %d retries, phase %s, notice %q", last.Retries, last.Phase, last.Notice)
	}
	sawNotice := false
	for _, s := range seen {
		sawNotice = sawNotice || strings.Contains(s.Notice, "retrying in")
	}
	if !sawNotice {
		t.Error("no status said it was retrying")
	}
}

func TestDownloadRefetchesCorruptChunk(t *testing.T) {
	f := testModel(t)
	net := newFakeNet(f)
	net.corrupt[f.files[2]] = MaxCorruptTries - 1
	_, seen, err := run(t, &Downloader{Net: net})
	if err != nil {
		t.Fatal(err)
	}
	if last := seen[len(seen)-1]; last.Refetched != MaxCorruptTries-1 || net.fetches[f.files[2]] != MaxCorruptTries || last.Notice != "" {
		t.Errorf("refetched %d, fetched %d times, notice %q; want %d, %d and none", last.Refetched, net.fetches[f.files[2]], last.Notice, MaxCorruptTries-1, MaxCorruptTries)
	}
	sawNotice := false
	for _, s := range seen {
		sawNotice = sawNotice || strings.Contains(s.Notice, f.files[2]+" arrived damaged") && strings.Contains(s.Notice, "try 3 of 3")
	}
	if !sawNotice {
		t.Error("no status said the chunk arrived damaged and was fetched again (try 3 of 3)")
	}
}

func TestDownloadReportsChunkCorruptEveryTry(t *testing.T) {
	f := testModel(t)
	net := newFakeNet(f)
	bad := f.files[len(f.files)-1]
	net.corrupt[bad] = MaxCorruptTries
	store := newMemStore()
	s, seen, err := run(t, &Downloader{Net: net, Store: store})
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "fetched 3 times and was corrupt each time") {
		t.Fatalf("error %v; want one naming %s and saying it was corrupt 3 times", err, bad)
	}
	if net.fetches[bad] != MaxCorruptTries {
		t.Errorf("the corrupt chunk was fetched %d times, want %d", net.fetches[bad], MaxCorruptTries)
	}
	var ce *format.ChunkError
	if !errors.As(err, &ce) {
		t.Errorf("error %T does not wrap a *format.ChunkError", err)
	}
	last := seen[len(seen)-1]
	if last.Phase != wire.PhaseError || last.ChunksDone != len(f.files)-1 || len(store.files) != len(f.files) {
		t.Errorf("phase %s, %d chunks verified, %d files stored; want error, all but one, all but one + manifest",
			last.Phase, last.ChunksDone, len(store.files))
	}
	if _, err := s.Classify(context.Background(), Pixels{RGBA: make([]byte, 4*32*32), Width: 32, Height: 32, Stride: 128}, "crop"); err == nil {
		t.Error("Classify on a model whose load failed succeeded")
	}
}

func TestDownloadPermanentHTTPError(t *testing.T) {
	f := testModel(t)
	net := newFakeNet(f)
	net.status[f.files[0]] = 404
	sleeps := &recordSleep{}
	_, _, err := run(t, &Downloader{Net: net, Sleep: sleeps.sleep})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 404 || len(sleeps.waits) != 0 {
		t.Errorf("error %v after %d waits; want the 404 at once", err, len(sleeps.waits))
	}
}

func TestDownloadOfflineUsesStoredManifest(t *testing.T) {
	f := testModel(t)
	store := newMemStore()
	store.files[format.ManifestFile] = f.manifest
	for _, file := range f.files {
		store.files[file] = f.chunks[file]
	}
	net := newFakeNet(f)
	net.transient[format.ManifestFile] = 1 << 30 // the network is gone
	for _, file := range f.files {
		net.transient[file] = 1 << 30
	}
	_, seen, err := run(t, &Downloader{Net: net, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	last := seen[len(seen)-1]
	if !last.ManifestFromCache || last.Phase != wire.PhaseReady || net.chunkFetches() != 0 {
		t.Errorf("offline: manifest from cache %v, phase %s, %d chunk fetches", last.ManifestFromCache, last.Phase, net.chunkFetches())
	}
}

func TestDownloadGivesUpWithoutManifest(t *testing.T) {
	f := testModel(t)
	net := newFakeNet(f)
	net.transient[format.ManifestFile] = 1 << 30
	sleeps := &recordSleep{}
	_, _, err := run(t, &Downloader{Net: net, Store: newMemStore(), MaxAttempts: 3, Sleep: sleeps.sleep})
	if !errors.Is(err, errConnReset) || len(sleeps.waits) != 2 {
		t.Errorf("error %v after %d waits; want the connection error after 3 tries", err, len(sleeps.waits))
	}
}

func TestDownloadPrunesStaleChunks(t *testing.T) {
	f := testModel(t)
	store := newMemStore()
	stale := strings.Repeat("ab", 32) + ".bin"
	store.files[stale] = []byte("an older model's chunk")
	if _, _, err := run(t, &Downloader{Net: newFakeNet(f), Store: store}); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.files[stale]; ok {
		t.Error("a chunk the manifest does not list is still stored")
	}
	if _, ok := store.files[format.ManifestFile]; !ok {
		t.Error("the manifest was pruned")
	}
}

func TestDownloadStoreRefuses(t *testing.T) {
	f := testModel(t)
	store := newMemStore()
	store.putErr = errors.New("QuotaExceededError")
	_, seen, err := run(t, &Downloader{Net: newFakeNet(f), Store: store})
	if err != nil {
		t.Fatal(err)
	}
	last := seen[len(seen)-1]
	if last.Cached || !strings.Contains(last.CacheError, "QuotaExceededError") || last.Phase != wire.PhaseReady {
		t.Errorf("cached %v, cache error %q, phase %s; want false, the quota error, ready", last.Cached, last.CacheError, last.Phase)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 500 * time.Millisecond, Max: 3 * time.Second}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}
	for i, w := range want {
		if got := b.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := DefaultBackoff.Delay(1000); got != DefaultBackoff.Max {
		t.Errorf("Delay(1000) = %v, want the cap %v", got, DefaultBackoff.Max)
	}
}

func TestStatusErrorTemporary(t *testing.T) {
	for code, want := range map[int]bool{404: false, 403: false, 410: false, 408: true, 429: true, 500: true, 503: true} {
		if got := (&StatusError{Code: code}).Temporary(); got != want {
			t.Errorf("HTTP %d temporary = %v, want %v", code, got, want)
		}
	}
}

// TestDownloadProgressNeverGoesBack: chunks verify on several goroutines, so one's progress can
// reach the status after a later one's; the counts shown must not fall back.
func TestDownloadProgressNeverGoesBack(t *testing.T) {
	var d Downloader
	var shown []int
	d.OnStatus = func(st wire.Status) { shown = append(shown, st.ChunksDone) }
	d.added(format.Progress{ChunksDone: 2, BytesDone: 200}, func(*wire.Status) {})
	d.added(format.Progress{ChunksDone: 1, BytesDone: 100}, func(*wire.Status) {})
	if st := d.Status(); st.ChunksDone != 2 || st.BytesDone != 200 || !slices.Equal(shown, []int{2, 2}) {
		t.Errorf("after progress 2 then 1: %d chunks, %d bytes, shown %v; want 2, 200, [2 2]", st.ChunksDone, st.BytesDone, shown)
	}
}

// Downloader.Hash verifies the chunks (a corrupt stored one is still refused and fetched again),
// and Status.Digest says whether it or crypto/sha256 did.
func TestDownloadInjectedHash(t *testing.T) {
	f := testModel(t)
	for _, c := range []struct {
		name string
		fail bool
		want string
	}{{"WebCrypto-like", false, "WebCrypto"}, {"failing", true, "Go"}} {
		store := newMemStore()
		for _, file := range f.files {
			store.files[file] = f.chunks[file]
		}
		bad := f.files[2]
		store.files[bad] = append([]byte(nil), f.chunks[bad]...)
		store.files[bad][7] ^= 1
		var mu sync.Mutex
		calls := 0
		hash := func(data []byte) ([sha256.Size]byte, error) {
			mu.Lock()
			calls++
			mu.Unlock()
			if c.fail {
				return [sha256.Size]byte{}, errors.New("crypto.subtle is undefined")
			}
			return sha256.Sum256(data), nil
		}
		net := newFakeNet(f)
		_, seen, err := run(t, &Downloader{Net: net, Store: store, Hash: hash})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		last := seen[len(seen)-1]
		if net.chunkFetches() != 1 || last.FromCache != len(f.files)-1 || last.Digest != c.want {
			t.Errorf("%s: %d chunks fetched, %d from the store, digest %q; want 1, %d, %q", c.name, net.chunkFetches(), last.FromCache, last.Digest, len(f.files)-1, c.want)
		}
		if calls != len(f.files)+1 {
			t.Errorf("%s: hash called %d times for %d chunks and one refetch", c.name, calls, len(f.files))
		}
	}
	_, seen, err := run(t, &Downloader{Net: newFakeNet(f)})
	if err != nil || seen[len(seen)-1].Digest != "Go" {
		t.Errorf("without Hash: %v, digest %q, want Go", err, seen[len(seen)-1].Digest)
	}
}
