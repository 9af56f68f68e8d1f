// bake_test.go: a baked head lies at a content-hashed path the server caches as immutable, with
// a head.json that describes it; a head of another model, or one reading past the build's last
// layer, is refused and leaves nothing behind.
package bake_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/server/handler"
	"github.com/graftml/graft/server/internal/bake"
	"github.com/graftml/graft/server/internal/classifytree"
	"github.com/graftml/graft/weights/convert"
)

func TestHead(t *testing.T) {
	if _, err := classifytree.PartialH5(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	tree, err := classifytree.Write(dir, classifytree.Options{Missing: convert.MissingTruncate})
	if err != nil {
		t.Fatal(err)
	}
	data, err := classifytree.TrainHead(tree.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	hm, err := bake.Head(dir, data, "pets")
	if err != nil {
		t.Fatal(err)
	}
	if !handler.IsContentHashed(hm.File) || handler.CacheControlFor(hm.File) != handler.CacheImmutable {
		t.Errorf("%s is not served immutable", hm.File)
	}
	if b, err := os.ReadFile(filepath.Join(dir, hm.File)); err != nil || string(b) != string(data) {
		t.Errorf("head file: %v", err)
	}
	var got app.HeadManifest
	b, _ := os.ReadFile(filepath.Join(dir, app.HeadManifestFile))
	if err := json.Unmarshal(b, &got); err != nil || got.File != hm.File || got.Title != "pets" || len(got.Classes) != 2 ||
		got.ModelID != tree.ModelID || got.Layer != "conv4_block6_out" || !got.OpenSet || got.Threshold == nil || len(got.SHA256) != 64 {
		t.Errorf("head.json %s (%v)", b, err)
	}

	other := t.TempDir()
	if _, err := classifytree.Write(other, classifytree.Options{Missing: convert.MissingSynthetic}); err != nil {
		t.Fatal(err)
	}
	if _, err := bake.Head(other, data, "pets"); err == nil {
		t.Error("a head of another model was baked in")
	}
	if _, err := os.Stat(filepath.Join(other, app.HeadManifestFile)); err == nil {
		t.Error("a refused head left head.json behind")
	}
}
