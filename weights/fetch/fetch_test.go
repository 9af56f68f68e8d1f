// Tests of finding and downloading the weights file, against a local HTTP server: a good file,
// a wrong MD5, a truncated body, a 404 and no server at all; and the order of the local places.
package fetch

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// content is a stand-in for the weights file.
var content = bytes.Repeat([]byte("HDF5 weights "), 5000)

func contentMD5() string {
	sum := md5.Sum(content)
	return hex.EncodeToString(sum[:])
}

// server serves content at /ok, a truncated body at /short (it announces more than it sends),
// and 404 elsewhere.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok/" + Top.File:
			w.Write(content)
		case "/short/" + Top.File:
			w.Header().Set("Content-Length", strconv.Itoa(len(content)))
			w.Write(content[:len(content)/3])
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func options(t *testing.T, url, md5 string) (Options, *bytes.Buffer) {
	var log bytes.Buffer
	return Options{
		File:     Official{File: Top.File, URL: url + "/" + Top.File, MD5: md5},
		KerasDir: filepath.Join(t.TempDir(), "models"),
		Log:      &log,
	}, &log
}

func TestDownloadGoodFile(t *testing.T) {
	s := server(t)
	o, log := options(t, s.URL+"/ok", contentMD5())
	o.Client = s.Client()
	path, err := Locate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(o.KerasDir, Top.File) {
		t.Fatalf("downloaded to %s", path)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("downloaded file differs (%v)", err)
	}
	if _, err := os.Stat(path + ".part"); !os.IsNotExist(err) {
		t.Fatal("the .part file was left behind")
	}
	// Second time: found in the Keras cache, no download (the server would now 404).
	o.File.URL = s.URL + "/gone/" + Top.File
	log.Reset()
	if again, err := Locate(context.Background(), o); err != nil || again != path {
		t.Fatalf("second Locate: %s, %v", again, err)
	}
	if !strings.Contains(log.String(), "the official") {
		t.Fatalf("log does not say the cached file is the official one: %s", log)
	}
}

func TestDownloadFailuresLeaveNothing(t *testing.T) {
	s := server(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there: what being offline looks like
	cases := []struct {
		name, url, md5, want string
	}{
		{"wrong MD5", s.URL + "/ok", Top.MD5, "MD5 " + contentMD5()},
		{"truncated", s.URL + "/short", contentMD5(), "unexpected EOF"},
		{"404", s.URL + "/missing", contentMD5(), "404"},
		{"offline", closed.URL, contentMD5(), "connect"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, _ := options(t, c.url, c.md5)
			_, err := Locate(context.Background(), o)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, want := range []string{c.want, EnvVar + "=", o.KerasDir, o.File.URL} {
				if !strings.Contains(msg, want) {
					t.Fatalf("message lacks %q:\n%s", want, msg)
				}
			}
			entries, _ := os.ReadDir(o.KerasDir)
			if len(entries) != 0 {
				t.Fatalf("left %d files in the Keras folder (first %s)", len(entries), entries[0].Name())
			}
		})
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
	if p, err := Locate(context.Background(), o); err != nil || p != partial {
		t.Fatalf("with %s set: %s, %v", EnvVar, p, err)
	}
	if !strings.Contains(log.String(), "partial file is accepted") {
		t.Fatalf("no note that the file is not the official one: %s", log)
	}
	// A variable naming a file that does not exist is an error, not a silent fallback.
	o.EnvPath = partial + ".nope"
	if _, err := Locate(context.Background(), o); err == nil || !strings.Contains(err.Error(), EnvVar) {
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
	if p, err := Locate(context.Background(), o); err != nil || p != cached {
		t.Fatalf("with a cached file: %s, %v", p, err)
	}
}

func TestOfficialFiles(t *testing.T) {
	for _, f := range []Official{Top, NoTop} {
		if !strings.HasPrefix(f.URL, BaseURL) || !strings.HasSuffix(f.URL, "/"+f.File) || len(f.MD5) != 32 {
			t.Fatalf("%+v is not a Keras file entry", f)
		}
	}
}
