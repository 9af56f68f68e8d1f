// Tests of the CLI's weights lookup without --h5: the same weights/fetch.Find the build uses
// ($GRAFT_WEIGHTS_H5, ~/.keras/models, a download only with --download, the partial file in
// $GRAFT_SHARED), seen through graft's own commands in a temporary HOME.
package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graftml/graft/internal/shared"
)

// lookupEnv gives the test an empty HOME and no weights variables; it returns HOME.
func lookupEnv(t *testing.T) string {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, v := range []string{"GRAFT_WEIGHTS_H5", "GRAFT_SHARED", "GRAFT_WEIGHTS_URL", "GRAFT_WEIGHTS_MD5"} {
		t.Setenv(v, "")
	}
	return home
}

func TestNoH5FindsTheKerasCache(t *testing.T) {
	h5, photo := shared.Path(t, shared.PartialH5), shared.Path(t, tabby)
	home := lookupEnv(t)
	dir := filepath.Join(home, ".keras", "models")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(h5, filepath.Join(dir, "resnet50_weights_tf_dim_ordering_tf_kernels.h5")); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, status := runCLI("features", "--layer", "pool1_pool", photo)
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	var line featureLine
	if err := json.Unmarshal([]byte(stdout), &line); err != nil || len(line.Features) != 64 {
		t.Fatalf("features from the Keras cache: %v, %d values", err, len(line.Features))
	}
	if !strings.Contains(stderr, "from the Keras cache") || !strings.Contains(stderr, "not the official") {
		t.Errorf("stderr does not say where the weights came from and that they are not the official file:\n%s", stderr)
	}
}

func TestNoH5NothingFoundNamesTheThreeWays(t *testing.T) {
	photo := shared.Path(t, tabby)
	lookupEnv(t)
	_, stderr, status := runCLI("classify", photo)
	if status == 0 {
		t.Fatal("classify with no weights anywhere succeeded")
	}
	for _, want := range []string{"GRAFT_WEIGHTS_H5", ".keras/models", "GRAFT_WEIGHTS_URL", "--h5", "--download", "no download asked for"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the error does not name %q:\n%s", want, stderr)
		}
	}
}

func TestNoH5FallsBackToTheSharedPartialFile(t *testing.T) {
	photo := shared.Path(t, tabby)
	dir := shared.Dir()
	lookupEnv(t)
	t.Setenv("GRAFT_SHARED", dir)
	stdout, stderr, status := runCLI("features", "--layer", "pool1_pool", photo)
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	if !strings.Contains(stderr, "partial file") || !strings.Contains(stdout, `"pool1_pool"`) {
		t.Errorf("want the partial file, said so on stderr; got stderr %q, stdout %.100q", stderr, stdout)
	}
}
