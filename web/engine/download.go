// Download: the model's chunks from a Store (the browser's Cache API) and the network into a
// Session: manifest first (always revalidated; the stored copy when the
// network is down, so a cached model works offline), then the chunks the store already holds,
// then the rest over the network in payload order with bounded concurrency. Transient failures
// (transport errors, HTTP 408/425/429/5xx) are retried with exponential backoff; a body cut
// short is continued from the bytes received, and a server that stops sending is given up on
// after StallTimeout and tried again, MaxStalls times (download_body.go); a chunk that fails
// verification is fetched again, MaxCorruptTries in all, and then reported by name; verified
// chunks go into the store; chunks the manifest no longer lists are removed from it at the end.
// The same code runs natively under test (fakes in download_test.go) and in the worker
// (web/worker).
package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graftml/graft/web/wire"
	"github.com/graftml/graft/weights/format"
)

// Fetcher reads a file of the model folder ("manifest.json", "<sha256>.bin") from the network,
// bypassing any HTTP cache (the Store is the cache).
type Fetcher interface {
	Fetch(ctx context.Context, file string) ([]byte, error)
}

// StatusError is an HTTP answer other than 200.
type StatusError struct {
	File string
	Code int
}

func (e *StatusError) Error() string { return fmt.Sprintf("%s: HTTP %d", e.File, e.Code) }

// Temporary reports whether trying again later may help (RFC 9110 §15: 408, 425, 429, 5xx).
func (e *StatusError) Temporary() bool {
	return e.Code == 408 || e.Code == 425 || e.Code == 429 || e.Code >= 500
}

// transient reports whether a fetch error is worth retrying: anything but a definite HTTP
// refusal (a transport error is a lost connection, a reset, a DNS hiccup).
func transient(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	return true
}

// Store keeps verified files between visits. Get of a file not stored returns ok = false.
type Store interface {
	Get(ctx context.Context, file string) (data []byte, ok bool, err error)
	Put(ctx context.Context, file string, data []byte) error
	Delete(ctx context.Context, file string) error
	Files(ctx context.Context) ([]string, error)
}

// Backoff is the wait before retry n (1-based): Initial·2^(n−1), at most Max.
type Backoff struct{ Initial, Max time.Duration }

// DefaultBackoff: 0.5 s, 1 s, 2 s, … up to 15 s between tries.
var DefaultBackoff = Backoff{Initial: 500 * time.Millisecond, Max: 15 * time.Second}

// Delay is the wait before retry n.
func (b Backoff) Delay(n int) time.Duration {
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// DefaultConcurrency is how many chunk fetches run at once: enough to fill a link whose
// round trip is long against a 1 MiB chunk, few enough that layers arrive nearly in order.
const DefaultConcurrency = 4

// MaxCorruptTries is how many times a chunk whose bytes do not match its SHA-256 is fetched
// before it is reported as damaged on the server.
const MaxCorruptTries = 3

// Downloader loads one model. Set the fields, then call Run once.
type Downloader struct {
	Net         Fetcher
	Store       Store // nil: nothing persists between visits
	Concurrency int   // 0: DefaultConcurrency
	Backoff     Backoff
	MaxAttempts int // tries per file for transient failures; 0: until ctx ends
	// StallTimeout: a fetch that receives nothing for this long is a stall (0:
	// DefaultStallTimeout). Only a RangeFetcher's fetches are watched.
	StallTimeout time.Duration
	// Sleep waits d or until ctx ends (nil: a timer). Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnStatus sees every change (a copy; never concurrently with itself).
	OnStatus func(wire.Status)
	// OnSession is called once the manifest is parsed, before any chunk arrives.
	OnSession func(*Session)
	// Hash computes chunks' SHA-256 (the browser's crypto.subtle.digest); nil, or an error
	// from it: crypto/sha256 (format.Loader.SetHasher). Status.Digest says which did.
	Hash format.Hasher

	goDigests atomic.Int64 // chunks hashed by crypto/sha256 although Hash was set

	mu      sync.Mutex
	status  wire.Status
	session *Session
	start   time.Time
}

// Run loads the manifest and every chunk. It returns the session (nil if the manifest could
// not be had) and the first error that stopped the load; verified chunks stay in the session and
// the store either way.
func (d *Downloader) Run(ctx context.Context) (*Session, error) {
	d.start = time.Now()
	if d.Concurrency <= 0 {
		d.Concurrency = DefaultConcurrency
	}
	if d.Backoff == (Backoff{}) {
		d.Backoff = DefaultBackoff
	}
	d.update(func(s *wire.Status) { s.Phase = wire.PhaseManifest })
	s, err := d.openManifest(ctx)
	if err != nil {
		d.fail(err)
		return nil, err
	}
	if err := d.loadChunks(ctx, s); err != nil {
		d.fail(err)
		return s, err
	}
	if _, err := s.WaitModel(ctx); err != nil { // already built: the last chunk built it
		d.fail(err)
		return s, err
	}
	d.prune(ctx, s)
	d.update(func(st *wire.Status) {
		st.Phase = wire.PhaseReady
		st.Notice = ""
		st.LoadMs = ms(time.Since(d.start))
		st.BuildMs = ms(s.BuildTime())
		st.Digest = "Go"
		if d.Hash != nil && d.goDigests.Load() == 0 {
			st.Digest = "WebCrypto"
		}
	})
	return s, nil
}

// openManifest fetches manifest.json, or falls back to the stored one when the network fails.
// With neither, it retries the network with backoff.
func (d *Downloader) openManifest(ctx context.Context) (*Session, error) {
	for attempt := 1; ; attempt++ {
		data, err := d.fetchBody(ctx, format.ManifestFile, nil, 0)
		var s *Session
		if err == nil {
			if s, err = NewSession(data); err == nil {
				d.storePut(ctx, format.ManifestFile, data)
				return d.started(s, false), nil
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		netErr := err
		if d.Store != nil {
			if stored, ok, _ := d.Store.Get(ctx, format.ManifestFile); ok {
				if s, err := NewSession(stored); err == nil {
					d.update(func(st *wire.Status) {
						st.Notice = "the server could not be reached (" + netErr.Error() + "); using the model kept in this browser"
					})
					return d.started(s, true), nil
				}
			}
		}
		if !transient(netErr) || d.MaxAttempts > 0 && attempt >= d.MaxAttempts {
			return nil, fmt.Errorf("model manifest: %w", netErr)
		}
		if err := d.retryWait(ctx, attempt, "model manifest", netErr); err != nil {
			return nil, err
		}
	}
}

// started records the session and fills the totals of the status.
func (d *Downloader) started(s *Session, manifestFromCache bool) *Session {
	m := s.Manifest()
	p := s.Loader().Progress()
	layers := 0
	for _, l := range m.Layers {
		if l.State != format.StateTruncated {
			layers++
		}
	}
	if d.Hash != nil {
		s.Loader().SetHasher(func(data []byte) ([sha256.Size]byte, error) {
			sum, err := d.Hash(data)
			if err != nil {
				d.goDigests.Add(1) // the Loader falls back to crypto/sha256
			}
			return sum, err
		})
	}
	d.mu.Lock()
	d.session = s
	d.mu.Unlock()
	d.update(func(st *wire.Status) {
		st.Phase = wire.PhaseDownloading
		st.ModelID, st.DType = m.Model.ID, m.Model.DType
		st.Synthetic, st.SyntheticOf = m.Model.Synthetic != nil, SyntheticSummary(m)
		st.ChunksTotal, st.BytesTotal, st.LayersTotal = p.ChunksTotal, p.BytesTotal, layers
		st.ManifestFromCache = manifestFromCache
		st.HeadLayer, st.MaxUnfreeze, st.UnfreezeInputBytes, _ = HeadBlocks(m)
	})
	if d.OnSession != nil {
		d.OnSession(s)
	}
	return s
}

// loadChunks feeds the stored chunks, then fetches the rest.
func (d *Downloader) loadChunks(ctx context.Context, s *Session) error {
	if d.Store != nil {
		start := time.Now()
		for _, file := range s.Loader().Pending() {
			data, ok, err := d.Store.Get(ctx, file)
			if err != nil || !ok {
				continue // a store that fails to read is a store that does not have it
			}
			p, err := s.AddChunk(file, data)
			if err != nil { // corrupt in the store: drop it and fetch it again
				d.Store.Delete(ctx, file)
				continue
			}
			d.added(p, func(st *wire.Status) { st.FromCache++ })
		}
		d.update(func(st *wire.Status) { st.StoreMs = ms(time.Since(start)) })
	}
	queue := make(chan string)
	errs := make(chan error, d.Concurrency)
	var wg sync.WaitGroup
	for range d.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			for file := range queue {
				if err := d.fetchChunk(ctx, s, file); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for _, file := range s.Loader().Pending() {
		select {
		case queue <- file:
		case <-ctx.Done():
		}
	}
	close(queue)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		if err != nil {
			all = append(all, err)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(all) > 0 {
		return errors.Join(all...)
	}
	d.update(func(st *wire.Status) { st.Cached = d.Store != nil && st.CacheError == "" })
	return nil
}

// retryWait counts a retry, says so in the status, and waits the backoff.
func (d *Downloader) retryWait(ctx context.Context, attempt int, what string, err error) error {
	wait := d.Backoff.Delay(attempt)
	d.update(func(st *wire.Status) {
		st.Retries++
		in := wait.Round(100 * time.Millisecond)
		if se := (*StallError)(nil); errors.As(err, &se) {
			st.Notice = fmt.Sprintf("The server stopped sending %s (nothing arrived for %s); retrying in %s", what, se.After.Round(100*time.Millisecond), in)
			return
		}
		st.Notice = fmt.Sprintf("%s failed (%v); retrying in %s", what, err, in)
	})
	sleep := d.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	return sleep(ctx, wait)
}

// storePut keeps a verified file; a store that refuses (quota, private mode) is noted, not fatal.
func (d *Downloader) storePut(ctx context.Context, file string, data []byte) {
	if d.Store == nil {
		return
	}
	if err := d.Store.Put(ctx, file, data); err != nil {
		d.update(func(st *wire.Status) {
			if st.CacheError == "" {
				st.CacheError = "this browser would not keep the model (" + err.Error() + "): the next visit downloads it again"
			}
		})
	}
}

// prune removes stored chunks the manifest does not list (an older model's).
func (d *Downloader) prune(ctx context.Context, s *Session) {
	if d.Store == nil {
		return
	}
	files, err := d.Store.Files(ctx)
	if err != nil {
		return
	}
	keep := map[string]bool{format.ManifestFile: true}
	for _, c := range s.Manifest().Chunks {
		keep[c.File] = true
	}
	for _, f := range files {
		if !keep[f] {
			d.Store.Delete(ctx, f)
		}
	}
}

// added folds a verified chunk's progress into the status. Chunks verify on several goroutines,
// so one's progress may arrive after a later one's: the counts only grow.
func (d *Downloader) added(p format.Progress, more func(*wire.Status)) {
	d.update(func(st *wire.Status) {
		st.ChunksDone, st.BytesDone = max(st.ChunksDone, p.ChunksDone), max(st.BytesDone, p.BytesDone)
		st.LayersDone += len(p.Layers)
		if p.LastLayer != "" {
			st.LastLayer = p.LastLayer
		}
		more(st)
	})
}

func (d *Downloader) fail(err error) {
	d.mu.Lock()
	s := d.session
	d.mu.Unlock()
	if s != nil {
		s.Abort(err)
	}
	d.update(func(st *wire.Status) {
		st.Phase = wire.PhaseError
		st.Error = err.Error()
		st.Notice = "" // the retry it announced is not coming
	})
}

// update changes the status under the lock and reports the new one.
func (d *Downloader) update(change func(*wire.Status)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	change(&d.status)
	if d.OnStatus != nil {
		d.OnStatus(d.status)
	}
}

// Status is the current status.
func (d *Downloader) Status() wire.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
