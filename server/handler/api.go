// The dynamic routes: /api/health, /api/stats and /api/version (/api/classify: classify.go).
// Version reads only the served tree, so the native
// server and the Worker answer alike for the same dist/. The build id comes from dist/build.json
// (written by build.sh); the model id from dist/model/manifest.json ("model.id", weights/FORMAT.md
// §2; only that field is decoded here).
package handler

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"

	"github.com/graftml/graft/app"
)

// Files read by /api/version, relative to the served tree.
const (
	BuildInfoFile     = "build.json"
	ModelManifestFile = "model/manifest.json"
)

// maxJSONBytes bounds what /api/version reads of either file (weights/FORMAT.md caps
// manifest.json at 1 MiB).
const maxJSONBytes = 1 << 20

// Version is the /api/version answer. A nil field is JSON null: that file is not in the tree.
type Version struct {
	Build *string `json:"build"`
	Model *string `json:"model"`
}

func (h *siteHandler) serveAPI(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/health":
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case "/api/stats":
		writeJSON(w, http.StatusOK, app.ReadMemStats())
	case "/api/version":
		v, err := ReadVersion(h.fsys)
		if err != nil {
			h.logf("/api/version: %v", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, v)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such API route"})
	}
}

// ReadVersion reads the build id and the model id from the served tree. A missing file gives a nil
// field; a file that is there but unreadable or malformed is an error.
func ReadVersion(fsys fs.FS) (Version, error) {
	var v Version
	var build struct {
		Build string `json:"build"`
	}
	found, err := readJSONFile(fsys, BuildInfoFile, &build)
	if err != nil {
		return v, err
	}
	if found {
		v.Build = &build.Build
	}
	var manifest struct {
		Model struct {
			ID string `json:"id"`
		} `json:"model"`
	}
	found, err = readJSONFile(fsys, ModelManifestFile, &manifest)
	if err != nil {
		return v, err
	}
	if found {
		if manifest.Model.ID == "" {
			return v, fmt.Errorf("%s has no model.id", ModelManifestFile)
		}
		v.Model = &manifest.Model.ID
	}
	return v, nil
}

// readJSONFile decodes name into dst; found is false when the file does not exist.
func readJSONFile(fsys fs.FS, name string, dst any) (found bool, err error) {
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxJSONBytes+1))
	if err != nil {
		return true, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxJSONBytes {
		return true, fmt.Errorf("%s: over %d bytes", name, maxJSONBytes)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return true, fmt.Errorf("%s: %w", name, err)
	}
	return true, nil
}

// writeJSON answers with v as JSON, never cached. The body is written for HEAD too: net/http drops
// it, and so does the Workers runtime (which fails a HEAD response whose declared Content-Length
// is not followed by that many bytes).
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", CacheNone)
	w.WriteHeader(code)
	w.Write(b)
}
