// Downloading the official file as keras.utils.get_file does (a temporary file, the MD5 checked
// before the final name), plus what a person on a slow or broken line needs: progress (bytes,
// rate, time left), a transfer cut half-way resumed with an HTTP Range request (RFC 9110 §14),
// and a clear stop when no server answers within Options.Timeout.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// maxDownload bounds a download (the official file is ~98 MiB).
const maxDownload = 512 << 20

// maxAttempts bounds the resumes of one Download; each attempt must have brought bytes.
const maxAttempts = 5

// errTimeout is the cancel cause when the server is silent for longer than Options.Timeout.
var errTimeout = errors.New("timeout")

// Download fetches the file into o.KerasDir through <file>.part and checks its MD5 before the
// file takes its final name. A transfer that breaks is resumed from the bytes the .part file
// holds (also by a later run); a file with the wrong MD5 is removed. Errors that mean no
// server could be reached wrap ErrNoNetwork.
func Download(ctx context.Context, o Options) (string, error) {
	final := filepath.Join(o.KerasDir, o.File.File)
	part := final + ".part"
	if o.Log != nil {
		fmt.Fprintf(o.Log, "weights: downloading %s into %s\n", o.url(), o.KerasDir)
	}
	for attempt := 1; ; attempt++ {
		n, err := o.fetchPart(ctx, part)
		if err == nil {
			break
		}
		if n == 0 || attempt == maxAttempts || ctx.Err() != nil {
			if st, serr := os.Stat(part); serr == nil && st.Size() > 0 {
				err = fmt.Errorf("%w; %d bytes kept in %s, the next run resumes from there", err, st.Size(), part)
			}
			return "", fmt.Errorf("download %s: %w", o.url(), err)
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "weights: the transfer broke (%v); resuming\n", err)
		}
	}
	sum, err := fileMD5(part)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(sum, o.File.MD5) {
		os.Remove(part)
		return "", fmt.Errorf("download %s: MD5 %s, Keras says %s (corrupt download or not the official file; removed)", o.url(), sum, o.File.MD5)
	}
	if err := os.Rename(part, final); err != nil {
		return "", err
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "weights: %s (MD5 %s, the official %s)\n", final, sum, o.File.File)
	}
	return final, nil
}

// fetchPart runs one request, appending to part what it has not got yet (a Range request when
// part holds bytes; a server answering 200 instead of 206 sends the whole file again, so part
// starts over). It returns the bytes this attempt added.
func (o Options) fetchPart(parent context.Context, part string) (int64, error) {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	timer := time.AfterFunc(o.timeout(), func() { cancel(errTimeout) })
	defer timer.Stop()

	var have int64
	if st, err := os.Stat(part); err == nil {
		have = st.Size()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.url(), nil)
	if err != nil {
		return 0, err
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, o.netError(ctx, err, 0, "no answer")
	}
	defer resp.Body.Close()
	total := resp.ContentLength
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		start, size, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != have {
			os.Remove(part) // an answer for other bytes than asked: start over next attempt
			return have, fmt.Errorf("Content-Range %q does not start at byte %d", resp.Header.Get("Content-Range"), have)
		}
		flags, total = os.O_WRONLY|os.O_APPEND, size
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		os.Remove(part) // part is as long as the file or longer: start over
		return have, errors.New("the partial download is not a prefix of the file")
	case resp.StatusCode == http.StatusOK:
		have = 0 // the whole file (a server that ignores Range): start over
	default:
		return 0, fmt.Errorf("HTTP %s", resp.Status)
	}
	if total > maxDownload {
		return 0, fmt.Errorf("%d bytes, more than the %d a ResNet50 file can be", total, maxDownload)
	}
	if err := os.MkdirAll(o.KerasDir, 0o755); err != nil { // only once a server answered
		return 0, err
	}
	out, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return 0, err
	}
	p := newProgress(o.Log, o.TTY, have, total)
	body := &watchdog{r: resp.Body, timer: timer, timeout: o.timeout(), p: p}
	n, err := io.Copy(out, io.LimitReader(body, maxDownload+1-have))
	p.finish()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return n, o.netError(ctx, err, have+n, "no data")
	case have+n > maxDownload:
		os.Remove(part)
		return 0, fmt.Errorf("more than %d bytes", maxDownload)
	case total >= 0 && have+n != total:
		return n, fmt.Errorf("got %d of %d bytes: %w", have+n, total, io.ErrUnexpectedEOF)
	}
	return n, nil
}

// netError names a failure and wraps ErrNoNetwork when no server answered in time or none could
// be reached.
func (o Options) netError(ctx context.Context, err error, at int64, silent string) error {
	if errors.Is(context.Cause(ctx), errTimeout) {
		return fmt.Errorf("%w: %s from %s in %s (after %d bytes)", ErrNoNetwork, silent, host(o.url()), o.timeout(), at)
	}
	var ne net.Error
	if errors.As(err, &ne) && at == 0 {
		return fmt.Errorf("%w: %v", ErrNoNetwork, err)
	}
	if at > 0 {
		return fmt.Errorf("after %d bytes: %w", at, err)
	}
	return err
}

func host(url string) string {
	_, rest, _ := strings.Cut(url, "://")
	h, _, _ := strings.Cut(rest, "/")
	return h
}

// contentRange parses "bytes START-END/SIZE" (SIZE may be "*": -1).
func contentRange(v string) (start, size int64, ok bool) {
	v, found := strings.CutPrefix(v, "bytes ")
	rng, sz, found2 := strings.Cut(v, "/")
	from, _, found3 := strings.Cut(rng, "-")
	if !found || !found2 || !found3 {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(from, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	size = -1
	if sz != "*" {
		if size, err = strconv.ParseInt(sz, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return start, size, true
}

// watchdog re-arms the silence timer on every read and reports progress.
type watchdog struct {
	r       io.Reader
	timer   *time.Timer
	timeout time.Duration
	p       *progress
}

func (w *watchdog) Read(b []byte) (int, error) {
	n, err := w.r.Read(b)
	if n > 0 {
		w.timer.Reset(w.timeout)
		w.p.add(int64(n))
	}
	return n, err
}
