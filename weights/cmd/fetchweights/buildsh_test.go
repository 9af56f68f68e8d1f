// End-to-end test of build.sh's weights lookup (resolve_weights, through ./build.sh weights) in
// a temporary HOME: downloaded from a loopback server named by GRAFT_WEIGHTS_URL (MD5 injected
// with GRAFT_WEIGHTS_MD5), then found in ~/.keras/models; with no network, the partial file in
// GRAFT_SHARED; with no network and no shared folder, a non-zero exit naming the three ways.
package main

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graftml/graft/weights/fetch"
)

// buildSh runs ./build.sh weights with env (on top of PATH and Go's caches) and returns its
// stdout, stderr and exit error.
func buildSh(t *testing.T, home string, env ...string) (string, string, error) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	root, _ := filepath.Abs("../../..")
	cmd := exec.Command(bash, filepath.Join(root, "build.sh"), "weights")
	cmd.Dir = root
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT", "GOTOOLCHAIN", "GOFLAGS", "GOPROXY"} {
		v := os.Getenv(k)
		if v == "" {
			out, _ := exec.Command("go", "env", k).Output()
			v = strings.TrimSpace(string(out))
		}
		if v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}

func TestBuildShWeights(t *testing.T) {
	if testing.Short() {
		t.Skip("runs build.sh")
	}
	body := bytes.Repeat([]byte("not really HDF5 "), 4096)
	sum := md5.Sum(body)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}))
	defer s.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	home := t.TempDir()
	noShared := filepath.Join(home, "no-shared")
	cached := filepath.Join(home, ".keras", "models", fetch.Top.File)

	// Reachable: downloaded into ~/.keras/models with the injected MD5.
	out, errOut, err := buildSh(t, home, "GRAFT_WEIGHTS_URL="+s.URL+"/"+fetch.Top.File,
		"GRAFT_WEIGHTS_MD5="+hex.EncodeToString(sum[:]), "GRAFT_SHARED="+noShared)
	if err != nil || out != "weights: downloaded\tofficial\t"+cached+"\n" {
		t.Fatalf("download: %v\nstdout: %q\nstderr: %s", err, out, errOut)
	}
	if got, _ := os.ReadFile(cached); !bytes.Equal(got, body) {
		t.Fatal("the downloaded file differs from the served one")
	}
	// Without the injected MD5 the official name keeps Keras' MD5: the cached file is used as
	// found but is not the official one (so the build would add the synthetic fill).
	out, errOut, err = buildSh(t, home, "GRAFT_WEIGHTS_URL="+closed.URL+"/x.h5", "GRAFT_SHARED="+noShared)
	if err != nil || out != "weights: keras-cache\tpartial\t"+cached+"\n" || !strings.Contains(errOut, "not the official") {
		t.Fatalf("cached: %v\nstdout: %q\nstderr: %s", err, out, errOut)
	}

	// No network, a shared folder: the partial file, said in one line.
	os.Remove(cached)
	shared := filepath.Join(home, "shared")
	partial := filepath.Join(shared, fetch.PartialFile)
	os.MkdirAll(filepath.Dir(partial), 0o755)
	os.WriteFile(partial, body[:100], 0o644)
	out, errOut, err = buildSh(t, home, "GRAFT_WEIGHTS_URL="+closed.URL+"/x.h5", "GRAFT_SHARED="+shared)
	if err != nil || out != "weights: partial\tpartial\t"+partial+"\n" || !strings.Contains(errOut, "no network") {
		t.Fatalf("offline with shared: %v\nstdout: %q\nstderr: %s", err, out, errOut)
	}

	// No network, no shared folder: exit non-zero, naming the three ways.
	out, errOut, err = buildSh(t, home, "GRAFT_WEIGHTS_URL="+closed.URL+"/x.h5", "GRAFT_SHARED="+noShared)
	if err == nil || out != "" {
		t.Fatalf("offline, nothing: exit %v, stdout %q", err, out)
	}
	for _, want := range []string{"GRAFT_WEIGHTS_H5=", filepath.Join(home, ".keras", "models", fetch.Top.File), "GRAFT_WEIGHTS_URL", "connect to a network"} {
		if !strings.Contains(errOut, want) {
			t.Fatalf("the message lacks %q:\n%s", want, errOut)
		}
	}
}
