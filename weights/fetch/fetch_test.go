// Tests of finding and downloading the weights file, against a local HTTP server: a good file,
// a wrong MD5, a truncated body, a transfer cut half-way and resumed, a server that ignores
// Range, a 404, a server that never answers, no server at all; the order of the local places
// and the fallback to the partial file only without a network.
package fetch

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// content is a stand-in for the weights file.
var content = bytes.Repeat([]byte("HDF5 weights "), 5000)

func contentMD5() string {
	sum := md5.Sum(content)
	return hex.EncodeToString(sum[:])
}

// server serves content at /ok (ignoring Range), with Range support at /ranged, a truncated
// body at /short (it announces more than it sends), the first half then a cut connection at
// /cut (once; later requests are served with Range support), the first half then silence at
// /stall, silence at /silent, and 404 elsewhere. ranges counts the requests with a Range header.
func server(t *testing.T) (s *httptest.Server, ranges *atomic.Int32) {
	t.Helper()
	ranges = new(atomic.Int32)
	var cut atomic.Bool
	s = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			ranges.Add(1)
		}
		dir, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		switch {
		case r.URL.Path != "/"+dir+"/"+Top.File:
			http.NotFound(w, r)
		case dir == "ok":
			w.Write(content)
		case dir == "ranged", dir == "cut" && cut.Load():
			http.ServeContent(w, r, Top.File, time.Time{}, bytes.NewReader(content))
		case dir == "cut", dir == "stall":
			cut.Store(true)
			w.Header().Set("Content-Length", strconv.Itoa(len(content)))
			w.Write(content[:len(content)/2])
			w.(http.Flusher).Flush()
			if dir == "stall" {
				<-r.Context().Done()
			}
			panic(http.ErrAbortHandler) // drop the connection mid-body
		case dir == "short":
			w.Header().Set("Content-Length", strconv.Itoa(len(content)))
			w.Write(content[:len(content)/3])
		case dir == "silent":
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s, ranges
}

func options(t *testing.T, url, md5 string) (Options, *bytes.Buffer) {
	var log bytes.Buffer
	return Options{
		File:     Official{File: Top.File, URL: url + "/" + Top.File, MD5: md5},
		KerasDir: filepath.Join(t.TempDir(), "models"),
		Download: true,
		Timeout:  2 * time.Second,
		Log:      &log,
	}, &log
}

// folder lists the names in dir.
func folder(t *testing.T, dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestDownloadGoodFile(t *testing.T) {
	s, _ := server(t)
	o, log := options(t, s.URL+"/ok", contentMD5())
	o.Client = s.Client()
	r, err := Find(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	path := r.Path
	if path != filepath.Join(o.KerasDir, Top.File) || r.Source != FromDownload || !r.Official {
		t.Fatalf("downloaded: %+v", r)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("downloaded file differs (%v)", err)
	}
	if _, err := os.Stat(path + ".part"); !os.IsNotExist(err) {
		t.Fatal("the .part file was left behind")
	}
	if !strings.Contains(log.String(), "weights: 0.1 MiB, ") {
		t.Fatalf("no progress line: %s", log)
	}
	// Second time: found in the Keras cache, no download (the server would now 404).
	o.File.URL = s.URL + "/gone/" + Top.File
	log.Reset()
	if again, err := Find(context.Background(), o); err != nil || again.Path != path || again.Source != FromKerasCache || !again.Official {
		t.Fatalf("second Find: %+v, %v", again, err)
	}
	if !strings.Contains(log.String(), "the official") {
		t.Fatalf("log does not say the cached file is the official one: %s", log)
	}
}

func TestDownloadFailuresLeaveNothing(t *testing.T) {
	s, _ := server(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there: what being offline looks like
	cases := []struct {
		name, url, md5, want string
		offline              bool
	}{
		{"wrong MD5", s.URL + "/ok", Top.MD5, "MD5 " + contentMD5(), false},
		{"404", s.URL + "/missing", contentMD5(), "404", false},
		{"offline", closed.URL, contentMD5(), "connect", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, _ := options(t, c.url, c.md5)
			_, err := Find(context.Background(), o)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, want := range []string{c.want, EnvVar + "=", o.KerasDir, o.File.URL, URLEnvVar} {
				if !strings.Contains(msg, want) {
					t.Fatalf("message lacks %q:\n%s", want, msg)
				}
			}
			if errors.Is(err, ErrNoNetwork) != c.offline {
				t.Fatalf("ErrNoNetwork = %v, want %v: %v", !c.offline, c.offline, err)
			}
			if names := folder(t, o.KerasDir); len(names) != 0 {
				t.Fatalf("left %d files in the Keras folder (first %s)", len(names), names[0])
			}
		})
	}
}

// A truncated body that does not get better: the error says so, nothing takes the final name,
// and the .part file stays (a prefix of the file) for the next run to resume.
func TestTruncatedKeepsOnlyThePart(t *testing.T) {
	s, _ := server(t)
	o, _ := options(t, s.URL+"/short", contentMD5())
	_, err := Find(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "unexpected EOF") || !strings.Contains(err.Error(), "the next run resumes") || errors.Is(err, ErrNoNetwork) {
		t.Fatalf("truncated: %v", err)
	}
	if names := folder(t, o.KerasDir); len(names) != 1 || names[0] != Top.File+".part" {
		t.Fatalf("the Keras folder holds %v, want only the .part", names)
	}
	part, _ := os.ReadFile(filepath.Join(o.KerasDir, Top.File+".part"))
	if !bytes.HasPrefix(content, part) || len(part) == 0 {
		t.Fatalf("the .part file (%d bytes) is not a prefix of the file", len(part))
	}
}

func TestCutTransferIsResumed(t *testing.T) {
	s, ranges := server(t)
	o, log := options(t, s.URL+"/cut", contentMD5())
	r, err := Find(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(r.Path); !bytes.Equal(got, content) {
		t.Fatal("the resumed file differs")
	}
	if ranges.Load() != 1 || !strings.Contains(log.String(), "resuming") {
		t.Fatalf("%d Range requests (want 1); log:\n%s", ranges.Load(), log)
	}
}

// A .part left by an earlier run: resumed with Range where the server supports it; started
// over where it answers 200 with the whole file (the .part here is garbage, so only a restart
// gives the right MD5).
func TestPartFromEarlierRun(t *testing.T) {
	s, ranges := server(t)
	for _, c := range []struct {
		dir  string
		part []byte
	}{{"ranged", content[:1000]}, {"ok", []byte("garbage garbage")}} {
		o, _ := options(t, s.URL+"/"+c.dir, contentMD5())
		os.MkdirAll(o.KerasDir, 0o755)
		os.WriteFile(filepath.Join(o.KerasDir, Top.File+".part"), c.part, 0o644)
		before := ranges.Load()
		r, err := Find(context.Background(), o)
		if err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		if got, _ := os.ReadFile(r.Path); !bytes.Equal(got, content) {
			t.Fatalf("%s: the file differs", c.dir)
		}
		if ranges.Load() != before+1 {
			t.Fatalf("%s: %d Range requests, want 1", c.dir, ranges.Load()-before)
		}
	}
}

// A server that accepts the connection and never answers, or stops sending half-way: a clear
// error, wrapping ErrNoNetwork, well under 30 s.
func TestSilentServer(t *testing.T) {
	s, _ := server(t)
	for _, c := range []struct{ dir, want string }{{"silent", "no answer from"}, {"stall", "no data from"}} {
		o, _ := options(t, s.URL+"/"+c.dir, contentMD5())
		o.Timeout = 200 * time.Millisecond
		start := time.Now()
		_, err := Find(context.Background(), o)
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("%s: gave up after %s", c.dir, took)
		}
		if err == nil || !errors.Is(err, ErrNoNetwork) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "200ms") {
			t.Fatalf("%s: %v", c.dir, err)
		}
	}
	if (Options{}).timeout() != DefaultTimeout || DefaultTimeout < 15*time.Second || DefaultTimeout > 25*time.Second {
		t.Fatalf("default timeout %s, want about 20 s", (Options{}).timeout())
	}
}

// The partial file in the shared folder is used only when there is no network (or no download
// was asked for), with one line saying so; a server that answers wrongly is an error.
func TestPartialOnlyWithoutNetwork(t *testing.T) {
	s, _ := server(t)
	shared := t.TempDir()
	partial := filepath.Join(shared, PartialFile)
	os.MkdirAll(filepath.Dir(partial), 0o755)
	os.WriteFile(partial, content[:100], 0o644)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	o, log := options(t, closed.URL, contentMD5())
	o.Shared = shared
	r, err := Find(context.Background(), o)
	if err != nil || r.Path != partial || r.Source != FromPartial || r.Official {
		t.Fatalf("offline with a shared folder: %+v, %v", r, err)
	}
	if lines := strings.Count(log.String(), "\n"); lines != 2 || !strings.Contains(log.String(), "synthetic") {
		t.Fatalf("want the download line and one line about the partial file:\n%s", log)
	}
	o.Download = false
	if r, err := Find(context.Background(), o); err != nil || r.Source != FromPartial {
		t.Fatalf("no download asked: %+v, %v", r, err)
	}
	o, _ = options(t, s.URL+"/missing", contentMD5())
	o.Shared = shared
	if _, err := Find(context.Background(), o); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("404 with a shared folder: %v", err)
	}
	o.Shared, o.Download = "", false
	if _, err := Find(context.Background(), o); err == nil || !strings.Contains(err.Error(), "no download asked") {
		t.Fatalf("nothing at all: %v", err)
	}
}

func TestLocalFilesComeFirst(t *testing.T) {
	o, log := options(t, "http://127.0.0.1:1", contentMD5()) // any download would fail
	partial := filepath.Join(t.TempDir(), "partial.h5")
	if err := os.WriteFile(partial, content[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	// The environment variable wins, and a partial file is accepted with a note.
	o.EnvPath = partial
	if r, err := Find(context.Background(), o); err != nil || r.Path != partial || r.Source != FromEnv || r.Official {
		t.Fatalf("with %s set: %+v, %v", EnvVar, r, err)
	}
	if !strings.Contains(log.String(), "partial file is accepted") {
		t.Fatalf("no note that the file is not the official one: %s", log)
	}
	// A variable naming a file that does not exist is an error, not a silent fallback.
	o.EnvPath = partial + ".nope"
	if _, err := Find(context.Background(), o); err == nil || !strings.Contains(err.Error(), EnvVar) {
		t.Fatalf("missing %s file: %v", EnvVar, err)
	}
	// Then the Keras cache.
	o.EnvPath = ""
	if err := os.MkdirAll(o.KerasDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cached := filepath.Join(o.KerasDir, Top.File)
	if err := os.WriteFile(cached, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := Find(context.Background(), o); err != nil || r.Path != cached || r.Source != FromKerasCache || !r.Official {
		t.Fatalf("with a cached file: %+v, %v", r, err)
	}
}

func TestDefaultOptions(t *testing.T) {
	t.Setenv(URLEnvVar, "http://mirror/x.h5")
	t.Setenv(MD5EnvVar, "ABC")
	t.Setenv(SharedEnvVar, "/sh")
	o := DefaultOptions(Top)
	if o.url() != "http://mirror/x.h5" || o.File.MD5 != "abc" || o.Shared != "/sh" || o.File.File != Top.File {
		t.Fatalf("%+v", o)
	}
	t.Setenv(MD5EnvVar, "")
	if o := DefaultOptions(Top); o.File.MD5 != Top.MD5 {
		t.Fatalf("with a mirror URL and no %s the MD5 is %s, want Keras' %s", MD5EnvVar, o.File.MD5, Top.MD5)
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(30<<20, 10<<20, 100<<20, 10*time.Second)
	if want := "weights: 30.0 of 100.0 MiB (30%), 2.0 MiB/s, 35s left"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	var tty bytes.Buffer
	p := newProgress(&tty, true, 0, 10)
	p.print()
	p.finish()
	if !strings.HasPrefix(tty.String(), "\rweights: 0.0 of 0.0 MiB (0%)") || !strings.HasSuffix(tty.String(), "\n") {
		t.Fatalf("TTY progress %q", tty.String())
	}
}

func TestOfficialFiles(t *testing.T) {
	for _, f := range []Official{Top, NoTop} {
		if !strings.HasPrefix(f.URL, BaseURL) || !strings.HasSuffix(f.URL, "/"+f.File) || len(f.MD5) != 32 {
			t.Fatalf("%+v is not a Keras file entry", f)
		}
	}
}
