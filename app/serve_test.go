// serve_test.go: the classify service (serve.go) on the real partial weights converted in
// process (truncated and with the labelled synthetic fill) and a head trained here on its
// conv4_block6_out: ImageNet top-5 equals preprocess.Load → Run(predictions) → imagenet.TopK on
// an independently loaded model, the head's answer equals Classifier.Predict, a truncated model
// still answers the head and says why ImageNet is unavailable, and the decode limits refuse
// what they should (not an image, broken, a bomb) before running anything; the deploy bundle
// holds the head and a README with the commands.
package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/imagenet"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/convert"
	"github.com/graftml/graft/weights/format"
	"github.com/graftml/graft/weights/keras"
)

// serveTree converts the partial weights (missing: truncate or synthetic) into dir/model and,
// when withHead, trains a small head on random conv4_block6_out features and bakes it in.
func serveTree(t *testing.T, missing string, withHead bool) string {
	t.Helper()
	sd := shared.Dir()
	h5 := filepath.Join(sd, shared.PartialH5)
	if _, err := os.Stat(h5); sd == "" || err != nil {
		t.Skip("shared partial weights not found; set GRAFT_SHARED")
	}
	f, err := keras.ReadFile(h5)
	if err != nil {
		t.Fatal(err)
	}
	res, err := convert.Convert(weights.KerasSource(f), convert.Options{Missing: missing})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := format.WriteDir(filepath.Join(dir, ServeModelDir), res.Manifest, res.Chunks); err != nil {
		t.Fatal(err)
	}
	if withHead {
		writeTestHead(t, dir, res.Manifest.Model.ID)
	}
	return dir
}

func writeTestHead(t *testing.T, dir, modelID string) {
	t.Helper()
	const features = 1024
	r := rand.New(rand.NewPCG(3, 4))
	d := &head.Data{Base: head.Base{ModelID: modelID, Layer: "conv4_block6_out", Features: features, Resize: "crop"},
		Classes: []string{"cats", "dogs"}}
	for e := range 60 {
		v := make([]float32, features)
		for i := range v {
			v[i] = float32(r.NormFloat64()) + float32(e%2)
		}
		d.Examples = append(d.Examples, head.Example{Views: [][]float32{v}, Label: e % 2, Name: "x"})
	}
	cfg, _ := head.DefaultConfig("linear")
	cfg.Epochs, cfg.ValSplit = 3, 0.25
	tr, err := TrainHead(context.Background(), cfg, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "heads"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := "heads/test.grafthead"
	hm, _, err := NewHeadManifest(tr.File, file, "pets")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(hm)
	if err := os.WriteFile(filepath.Join(dir, file), tr.File, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, HeadManifestFile), js, 0o644); err != nil {
		t.Fatal(err)
	}
}

func testPhoto(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(shared.Dir(), "data/kimmeen-test-images/test_images", name))
	if err != nil {
		t.Skip(err)
	}
	return b
}

func TestServiceImageNetAndHead(t *testing.T) {
	dir := serveTree(t, convert.MissingSynthetic, true)
	s, err := LoadService(os.DirFS(dir), ServeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Head() == nil || s.Head().Title != "pets" || !s.Model().Complete() {
		t.Fatalf("head %+v, complete %v", s.Head(), s.Model().Complete())
	}
	// The reference: the same folder loaded the CLI's way, run by hand.
	l, err := format.LoadDir(filepath.Join(dir, ServeModelDir))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := resnet50.New(l, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hf, _ := os.ReadFile(filepath.Join(dir, "heads/test.grafthead"))
	hm, _ := headfile.Parse(hf)
	c, _ := NewClassifier(hm)
	for _, name := range []string{"cat.jpg", "dog.jpg"} {
		photo := testPhoto(t, name)
		got, err := s.Classify(photo, ClassifyOptions{Top: 5})
		if err != nil {
			t.Fatal(err)
		}
		px, err := preprocess.Load(photo, preprocess.Crop, resnet50.InputSize)
		if err != nil {
			t.Fatal(err)
		}
		x, _ := tensor.FromData(px, 1, 224, 224, 3)
		probs, err := ref.Run(x, "predictions", nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := imagenet.TopK(probs.Data, 5)
		if len(got.ImageNet) != 5 {
			t.Fatalf("%s: imagenet %v (%s)", name, got.ImageNet, got.ImageNetUnavailable)
		}
		for i, w := range want {
			if g := got.ImageNet[i]; g.Index != w.Index || g.Prob != w.Prob || g.Name != w.Name {
				t.Errorf("%s: top %d = %+v, want %+v", name, i, g, w)
			}
		}
		feat, _ := ref.Run(x, "conv4_block6_out", nil)
		p, err := c.Predict("conv4_block6_out", feat)
		if err != nil {
			t.Fatal(err)
		}
		if got.Head == nil || got.Head.Class != hm.Classes[p.Best] || got.Head.Prob != p.Probs[p.Best] || got.Head.Unknown != p.Unknown ||
			len(got.Head.Classes) != 2 || (p.Checked && (got.Head.Score == nil || *got.Head.Score != p.Score)) {
			t.Errorf("%s: head %+v, want %+v", name, got.Head, p)
		}
		if got.Resize != "crop" || got.Format != "jpeg" || !got.Synthetic || got.Model != l.Manifest().Model.ID {
			t.Errorf("%s: %+v", name, got)
		}
		off := false
		none, err := s.Classify(photo, ClassifyOptions{Top: 3, Head: &off})
		if err != nil || none.Head != nil || len(none.ImageNet) != 3 || none.ImageNet[0] != got.ImageNet[0] {
			t.Errorf("%s ?head=0&top=3: %+v, %v", name, none, err)
		}
	}
}

func TestServiceTruncatedAnswersHead(t *testing.T) {
	dir := serveTree(t, convert.MissingTruncate, true)
	s, err := LoadService(os.DirFS(dir), ServeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Classify(testPhoto(t, "cat.jpg"), ClassifyOptions{Top: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got.ImageNet != nil || !strings.Contains(got.ImageNetUnavailable, "conv4_block6_out") || got.Head == nil {
		t.Errorf("truncated: %+v", got)
	}
	on := true
	if _, err := s.Classify(testPhoto(t, "cat.jpg"), ClassifyOptions{Top: 5, Head: &on}); err != nil {
		t.Error(err)
	}
}

func TestServiceRefuses(t *testing.T) {
	dir := serveTree(t, convert.MissingTruncate, false)
	s, err := LoadService(os.DirFS(dir), ServeConfig{MaxDecodedBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := s.Classify(testPhoto(t, "cat.jpg"), ClassifyOptions{Top: 5, Head: &on}); !errors.Is(err, ErrNoHead) {
		t.Errorf("?head=1 without a head: %v", err)
	}
	if _, err := s.Classify(testPhoto(t, "cat.jpg"), ClassifyOptions{Top: 1001}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("top=1001: %v", err)
	}
	cat := testPhoto(t, "cat.jpg")
	var big bytes.Buffer // 2000×2000 RGBA PNG: ~16 MB decoded, over the 8 MiB budget, a few kB on the wire
	png.Encode(&big, image.NewNRGBA(image.Rect(0, 0, 2000, 2000)))
	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"html", []byte("<!doctype html><html></html>"), preprocess.ErrNotImage, "HTML"},
		{"empty", nil, preprocess.ErrNotImage, "0 bytes"},
		{"truncated jpeg", cat[:len(cat)/2], ErrUndecodable, "jpeg"},
		{"broken header", cat[:20], ErrUndecodable, ""},
		{"bomb", big.Bytes(), ErrBomb, "2000×2000"},
	}
	for _, c := range cases {
		_, err := s.Classify(c.data, ClassifyOptions{Top: 5})
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %v containing %q", c.name, err, c.want, c.msg)
		}
	}
}

func TestServiceHeadManifestChecked(t *testing.T) {
	dir := serveTree(t, convert.MissingTruncate, true)
	fsys := fstest.MapFS{}
	for _, name := range []string{HeadManifestFile, "heads/test.grafthead"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		fsys[name] = &fstest.MapFile{Data: b}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, ServeModelDir))
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, ServeModelDir, e.Name()))
		fsys[ServeModelDir+"/"+e.Name()] = &fstest.MapFile{Data: b}
	}
	if _, err := LoadService(fsys, ServeConfig{}); err != nil {
		t.Fatal(err)
	}
	hf := fsys["heads/test.grafthead"].Data
	fsys["heads/test.grafthead"] = &fstest.MapFile{Data: append(append([]byte(nil), hf[:len(hf)-1]...), hf[len(hf)-1]^1)}
	if _, err := LoadService(fsys, ServeConfig{}); err == nil {
		t.Error("a head file that does not match head.json's SHA-256 was loaded")
	}
}

func TestDeployBundle(t *testing.T) {
	dir := serveTree(t, convert.MissingTruncate, true)
	hf, err := os.ReadFile(filepath.Join(dir, "heads/test.grafthead"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := DeployBundle(hf, "pets")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		got[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if !bytes.Equal(got["pets/pets.grafthead"], hf) {
		t.Errorf("bundle files %v: the head is not pets/pets.grafthead", len(got))
	}
	readme := string(got["pets/README.md"])
	for _, want := range []string{"./build.sh worker --head pets.grafthead", "npx wrangler deploy", "cats, dogs", "none of these"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README lacks %q:\n%s", want, readme)
		}
	}
	if _, err := DeployBundle(hf, "../x"); err == nil {
		t.Error("a bundle name with a path was accepted")
	}
	if _, err := DeployBundle([]byte("not a head"), "x"); err == nil {
		t.Error("a bundle of a non-head was made")
	}
}
