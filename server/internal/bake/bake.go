// Package bake puts a trained head into a built tree: the
// head file (app/headfile/FORMAT.md) at a content-hashed path, heads/<sha256[:16]>.grafthead
// (server/handler.IsContentHashed: served immutable), and app.HeadManifestFile (head.json,
// app.HeadManifest) beside index.html naming it, which /api/classify loads and the page can
// read to open with the head active. `./build.sh dist|serve|worker --head FILE` calls it through
// `server/cmd/builddist head`.
package bake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/weights/format"
)

// Head writes data into dir as the tree's head and returns the manifest it wrote. When dir has
// a model (model/manifest.json), the head must have been trained on it.
func Head(dir string, data []byte, title string) (*app.HeadManifest, error) {
	sum := sha256.Sum256(data)
	file := "heads/" + hex.EncodeToString(sum[:8]) + ".grafthead"
	hm, _, err := app.NewHeadManifest(data, file, title)
	if err != nil {
		return nil, err
	}
	if raw, err := os.ReadFile(filepath.Join(dir, app.ServeModelDir, format.ManifestFile)); err == nil {
		m, err := format.ParseManifest(raw)
		if err != nil {
			return nil, err
		}
		if m.Model.ID != hm.ModelID {
			return nil, fmt.Errorf("the head was trained on model %s, but this build's model is %s: train it on this build's model (or build with the weights it was trained on)", hm.ModelID, m.Model.ID)
		}
		if hm.Layer != "" && m.Model.LastLayer != "predictions" && !layerWithin(hm.Layer, m.Model.LastLayer) {
			return nil, fmt.Errorf("the head reads %s, but this build's model ends at %s", hm.Layer, m.Model.LastLayer)
		}
	}
	js, err := json.MarshalIndent(hm, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "heads"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
		return nil, err
	}
	return hm, os.WriteFile(filepath.Join(dir, app.HeadManifestFile), append(js, '\n'), 0o644)
}
