// Downloader against a network that cuts bodies and stalls (rangeNet, a RangeFetcher over the
// fake network): a cut chunk continues from the bytes received with a Range request, or from the
// start when the server ignores Range; a server that sends nothing for StallTimeout is retried
// with a notice saying so, and after MaxStalls the chunk is reported by name.
package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graftml/graft/web/wire"
)

// rangeNet serves the fake network's bodies as a RangeFetcher with scripted cuts and stalls.
type rangeNet struct {
	*fakeNet
	ignoreRange bool          // answer every request with the whole file (HTTP 200)
	drip        time.Duration // send each body in 10 pieces this far apart

	mu     sync.Mutex
	cut    map[string]int // file → bodies to cut after half of what was asked
	stall  map[string]int // file → bodies that send half of what was asked, then nothing
	ranges []string       // "file@from" of each request for the rest of a file
}

func newRangeNet(f *fixture) *rangeNet {
	return &rangeNet{fakeNet: newFakeNet(f), cut: map[string]int{}, stall: map[string]int{}}
}

func (n *rangeNet) FetchFrom(ctx context.Context, file string, from int64, got func(int)) ([]byte, bool, error) {
	data, err := n.fakeNet.Fetch(ctx, file)
	if err != nil {
		return nil, false, err
	}
	n.mu.Lock()
	whole := from == 0 || n.ignoreRange
	if from > 0 {
		n.ranges = append(n.ranges, fmt.Sprintf("%s@%d", file, from))
	}
	cut, stall := n.cut[file] > 0, n.stall[file] > 0
	if cut {
		n.cut[file]--
	} else if stall {
		n.stall[file]--
	}
	n.mu.Unlock()
	if !whole {
		data = data[from:]
	}
	switch {
	case cut:
		got(len(data) / 2)
		return data[:len(data)/2], whole, errConnReset
	case stall:
		got(len(data) / 2)
		<-ctx.Done()
		return data[:len(data)/2], whole, ctx.Err()
	}
	if n.drip > 0 {
		for i := range 10 {
			time.Sleep(n.drip)
			if ctx.Err() != nil {
				return data[:len(data)*i/10], whole, ctx.Err()
			}
			got(len(data)*(i+1)/10 - len(data)*i/10)
		}
	} else {
		got(len(data))
	}
	return data, whole, nil
}

func TestDownloadResumesCutChunk(t *testing.T) {
	f := testModel(t)
	net := newRangeNet(f)
	bad := f.files[3]
	net.cut[bad] = 2
	store := newMemStore()
	_, seen, err := run(t, &Downloader{Net: net, Store: store, Sleep: (&recordSleep{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	n := len(f.chunks[bad])
	want := []string{fmt.Sprintf("%s@%d", bad, n/2), fmt.Sprintf("%s@%d", bad, n/2+(n-n/2)/2)}
	if fmt.Sprint(net.ranges) != fmt.Sprint(want) {
		t.Errorf("asked for the rest of the file at %v, want %v (from the bytes already received)", net.ranges, want)
	}
	last := seen[len(seen)-1]
	if last.Phase != wire.PhaseReady || last.Retries != 2 || last.Refetched != 0 || string(store.files[bad]) != string(f.chunks[bad]) {
		t.Errorf("phase %s, %d retries, %d refetched, stored chunk intact %v; want ready, 2, 0, true",
			last.Phase, last.Retries, last.Refetched, string(store.files[bad]) == string(f.chunks[bad]))
	}
}

func TestDownloadCutChunkServerIgnoresRange(t *testing.T) {
	f := testModel(t)
	net := newRangeNet(f)
	net.ignoreRange = true
	bad := f.files[1]
	net.cut[bad] = 1
	store := newMemStore()
	_, seen, err := run(t, &Downloader{Net: net, Store: store, Sleep: (&recordSleep{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	if last := seen[len(seen)-1]; last.Phase != wire.PhaseReady || last.Refetched != 0 || string(store.files[bad]) != string(f.chunks[bad]) {
		t.Errorf("phase %s, %d refetched; want ready with the chunk intact, none refetched (a 200 replaces the bytes received)", last.Phase, last.Refetched)
	}
	if len(net.ranges) != 1 {
		t.Errorf("asked for the rest %d times, want once", len(net.ranges))
	}
}

func TestDownloadRetriesStalledChunk(t *testing.T) {
	f := testModel(t)
	net := newRangeNet(f)
	slow := f.files[2]
	net.stall[slow] = 1
	sleeps := &recordSleep{}
	_, seen, err := run(t, &Downloader{Net: net, StallTimeout: 20 * time.Millisecond, Sleep: sleeps.sleep})
	if err != nil {
		t.Fatal(err)
	}
	notice := ""
	for _, s := range seen {
		if strings.Contains(s.Notice, "stopped sending") {
			notice = s.Notice
		}
	}
	if want := "The server stopped sending model chunk " + slow + " (nothing arrived for 0s); retrying in 500ms"; notice != want {
		t.Errorf("notice %q, want %q", notice, want)
	}
	if len(net.ranges) != 1 || !strings.HasPrefix(net.ranges[0], slow+"@") {
		t.Errorf("after the stall it asked for %v, want the rest of %s", net.ranges, slow)
	}
	if last := seen[len(seen)-1]; last.Phase != wire.PhaseReady || last.Notice != "" {
		t.Errorf("phase %s, notice %q; want ready, none", last.Phase, last.Notice)
	}
}

func TestDownloadReportsChunkThatKeepsStalling(t *testing.T) {
	f := testModel(t)
	net := newRangeNet(f)
	slow := f.files[5]
	net.stall[slow] = 1 << 30
	sleeps := &recordSleep{}
	_, seen, err := run(t, &Downloader{Net: net, StallTimeout: 20 * time.Millisecond, Sleep: sleeps.sleep})
	if err == nil || !strings.Contains(err.Error(), slow) || !strings.Contains(err.Error(), "stopped sending it 3 times") || !strings.Contains(err.Error(), "Retry") {
		t.Fatalf("error %v; want one naming %s, saying it stopped 3 times, and to Retry", err, slow)
	}
	if net.fetches[slow] != MaxStalls || len(sleeps.waits) != MaxStalls-1 {
		t.Errorf("%d fetches of the stalling chunk and %d waits, want %d and %d", net.fetches[slow], len(sleeps.waits), MaxStalls, MaxStalls-1)
	}
	if last := seen[len(seen)-1]; last.Phase != wire.PhaseError || !strings.Contains(last.Error, slow) || last.Notice != "" {
		t.Errorf("final status %s %q, notice %q; want an error naming the chunk, no retry announced", last.Phase, last.Error, last.Notice)
	}
}

// A slow body is not a stall: each piece that arrives restarts the wait.
func TestDownloadSlowBodyIsNotStall(t *testing.T) {
	f := testModel(t)
	net := newRangeNet(f)
	net.drip = 50 * time.Millisecond // 0.5 s a body, 8 times the wait allowed between two pieces
	_, seen, err := run(t, &Downloader{Net: net, Concurrency: 8, StallTimeout: 400 * time.Millisecond, Sleep: (&recordSleep{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	if last := seen[len(seen)-1]; last.Retries != 0 || len(net.ranges) != 0 {
		t.Errorf("%d retries, resumed %v; a slow body was taken for a stall", last.Retries, net.ranges)
	}
}

// The page says something within 20 s of a server falling silent: the default wait for a
// stall, then the status.
func TestDefaultStallTimeout(t *testing.T) {
	if got := (&Downloader{}).stallTimeout(); got != DefaultStallTimeout || got > 20*time.Second || got < 5*time.Second {
		t.Errorf("default stall timeout %v; want DefaultStallTimeout (%v), between 5 s (a slow link's first bytes) and 20 s", got, DefaultStallTimeout)
	}
}
