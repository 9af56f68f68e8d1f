// Reading a model folder natively: manifest.json and its chunk files, through the same
// streaming Loader the browser uses.
package format

import (
	"fmt"
	"os"
	"path/filepath"
)

// LoadDir reads dir/manifest.json and every chunk it lists, verifying each. It fails on the
// first missing or bad chunk, naming it.
func LoadDir(dir string) (*Loader, error) {
	manifest, err := readLimited(filepath.Join(dir, ManifestFile), MaxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w (a model folder is what `graft convert --out DIR` writes)", dir, err)
	}
	l, err := NewLoader(manifest)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", dir, err)
	}
	for _, file := range l.Pending() {
		data, err := readLimited(filepath.Join(dir, file), MaxChunkBytes)
		if err != nil {
			return nil, fmt.Errorf("model %s: chunk %s: %w", dir, file, err)
		}
		if _, err := l.AddChunk(file, data); err != nil {
			return nil, fmt.Errorf("model %s: %w", dir, err)
		}
	}
	return l, nil
}

// readLimited reads a file, refusing one larger than limit before reading it.
func readLimited(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d this format allows", path, st.Size(), limit)
	}
	return os.ReadFile(path)
}
