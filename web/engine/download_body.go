// Fetching one chunk for the Downloader when the network can fail half-way: a body cut
// short is continued with a Range request from the bytes already received (RFC 9110 §14.2; a
// server that ignores Range answers 200 with the whole file, which then replaces them), and a
// server that stops sending — nothing for StallTimeout — is given up on (a StallError) so the
// Downloader can say so and try again instead of waiting for ever; a chunk whose bytes are
// wrong is fetched again, MaxCorruptTries in all.
package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/graftml/graft/web/wire"
	"github.com/graftml/graft/weights/format"
)

// RangeFetcher is a Fetcher that reads bodies as they arrive (the browser's fetch with a
// stream reader). FetchFrom reads file from byte offset from on (0: all of it; more: a Range
// request), calling got with the size of each piece as it arrives. whole reports that the
// answer is the whole file although from > 0 (HTTP 200, not 206). A body cut short returns the
// bytes received with the error.
type RangeFetcher interface {
	Fetcher
	FetchFrom(ctx context.Context, file string, from int64, got func(n int)) (data []byte, whole bool, err error)
}

// DefaultStallTimeout is how long a fetch may receive nothing before it is a stall: long
// enough for a slow link's first bytes, short enough that the page says something within 20 s.
const DefaultStallTimeout = 10 * time.Second

// MaxStalls is how many stalls of one file end its download with an error (the page then
// offers Retry).
const MaxStalls = 3

// StallError: the server sent nothing for After while a file was being fetched.
type StallError struct {
	File  string
	After time.Duration
}

func (e *StallError) Error() string {
	return fmt.Sprintf("%s: the server stopped sending (nothing arrived for %s)", e.File, e.After.Round(100*time.Millisecond))
}

// CutError: the body ended early; Got is what had arrived (the prefix of the file).
type CutError struct {
	File string
	Got  []byte
	Err  error
}

func (e *CutError) Error() string {
	return fmt.Sprintf("%s: the connection dropped after %d bytes (%v)", e.File, len(e.Got), e.Err)
}

func (e *CutError) Unwrap() error { return e.Err }

// errShortBody: a body that ended without an error before the manifest's length.
var errShortBody = errors.New("the body ended early")

func (d *Downloader) stallTimeout() time.Duration {
	if d.StallTimeout > 0 {
		return d.StallTimeout
	}
	return DefaultStallTimeout
}

// fetchBody fetches file, continuing from have (the first bytes of it, received before a cut).
// size is the file's length when known (> 0). A Fetcher that is not a RangeFetcher fetches
// the whole file each time, with no stall watch.
func (d *Downloader) fetchBody(ctx context.Context, file string, have []byte, size int64) ([]byte, error) {
	rf, ok := d.Net.(RangeFetcher)
	if !ok {
		return d.Net.Fetch(ctx, file)
	}
	if size > 0 && int64(len(have)) >= size {
		have = nil // nothing left to ask for: the whole was wrong
	}
	timeout := d.stallTimeout()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := &StallError{File: file, After: timeout}
	timer := time.AfterFunc(timeout, func() { cancel(stall) })
	defer timer.Stop()
	data, whole, err := rf.FetchFrom(ctx, file, int64(len(have)), func(int) { timer.Reset(timeout) })
	if !whole && len(have) > 0 {
		data = append(have[:len(have):len(have)], data...)
	}
	if err == nil && size > 0 && int64(len(data)) < size {
		err = errShortBody
	}
	if err != nil {
		if errors.Is(context.Cause(ctx), stall) {
			err = stall
		}
		if len(data) > 0 {
			return nil, &CutError{File: file, Got: data, Err: err}
		}
		return nil, err
	}
	return data, nil
}

// fetchChunk fetches one chunk until it verifies: transient failures are retried with
// backoff, a cut body continues from what arrived, a stall is retried MaxStalls times; a
// corrupt copy is fetched again, MaxCorruptTries in all.
func (d *Downloader) fetchChunk(ctx context.Context, s *Session, file string) error {
	size := chunkBytes(s, file)
	corrupt, stalls := 0, 0
	var have []byte // the start of the chunk, received before a cut
	for attempt := 1; ctx.Err() == nil; {
		data, err := d.fetchBody(ctx, file, have, size)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if cut := (*CutError)(nil); errors.As(err, &cut) {
				have = cut.Got
			}
			if se := (*StallError)(nil); errors.As(err, &se) {
				if stalls++; stalls >= MaxStalls {
					return fmt.Errorf("model chunk %s: the server stopped sending it %d times (nothing arrived for %s each time); check the connection and Retry",
						file, stalls, se.After.Round(100*time.Millisecond))
				}
			}
			if !transient(err) || d.MaxAttempts > 0 && attempt >= d.MaxAttempts {
				return fmt.Errorf("model chunk %w", err)
			}
			if err := d.retryWait(ctx, attempt, "model chunk "+file, err); err != nil {
				break
			}
			attempt++
			continue
		}
		have = nil
		p, err := s.AddChunk(file, data)
		if err != nil {
			var ce *format.ChunkError
			if errors.As(err, &ce) && !errors.Is(err, format.ErrUnknownChunk) && corrupt+1 < MaxCorruptTries {
				corrupt++
				d.update(func(st *wire.Status) {
					st.Refetched++
					st.Notice = fmt.Sprintf("model chunk %s arrived damaged (its SHA-256 does not match); fetching it again (try %d of %d)", file, corrupt+1, MaxCorruptTries)
				})
				continue
			}
			if corrupt > 0 {
				return fmt.Errorf("%w; it was fetched %d times and was corrupt each time: the server's copy is damaged", err, corrupt+1)
			}
			return err
		}
		if d.Store != nil {
			d.storePut(ctx, file, data)
		}
		d.added(p, func(st *wire.Status) { st.FromNetwork++; st.Notice = "" })
		return nil
	}
	return ctx.Err()
}

// chunkBytes is the manifest's length of file (0 when it is not listed).
func chunkBytes(s *Session, file string) int64 {
	for _, c := range s.Manifest().Chunks {
		if c.File == file {
			return c.Bytes
		}
	}
	return 0
}
