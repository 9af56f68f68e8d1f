// Package shared finds the project's shared data folder (../shared beside the repository
// checkout, or $GRAFT_SHARED) for tests and benchmarks.
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// PartialH5 is the real Keras ResNet50 weights file, complete through conv4_block6_out.
const PartialH5 = "data/resnet50-keras-partial/resnet50_weights_tf_dim_ordering_tf_kernels.partial.h5"

// Dir returns the shared folder, or "" when it cannot be found.
func Dir() string {
	if env := os.Getenv("GRAFT_SHARED"); env != "" {
		if st, err := os.Stat(filepath.Join(env, "data")); err == nil && st.IsDir() {
			return env
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			candidate := filepath.Join(filepath.Dir(dir), "shared")
			if st, err := os.Stat(filepath.Join(candidate, "data")); err == nil && st.IsDir() {
				return candidate
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Path returns the shared file rel (e.g. PartialH5), skipping the test when the shared folder
// is absent: the data lives beside the checkout, not in it.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	dir := Dir()
	if dir == "" {
		tb.Skipf("shared data not found (set GRAFT_SHARED or put the shared folder beside the checkout); needed: %s", rel)
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared data file missing: %v", err)
	}
	return p
}
