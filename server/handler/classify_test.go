// POST /api/classify, natively (and, through runClassifyChecks, against the Worker in
// worker_test.go): on real photos in every format the answer's ImageNet top-5 and head verdict
// equal `graft classify --model DIR --json` and `graft classify --head FILE --model DIR --json`
// on the same tree (the CLI is built and run here), raw body and multipart alike; every error
// case answers its status and JSON code; a truncated model still answers the head.
package handler

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	stdlog "log"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/server/internal/classifytree"
	"github.com/graftml/graft/weights/convert"
)

// classifyPhotos are the golden photos: two real JPEG photos and the preprocess test pattern
// in the other formats.
var classifyPhotos = []string{"shared:cat.jpg", "shared:dog.jpg", "pattern.png", "pattern.gif", "pattern_lossy.webp"}

func photoPath(t *testing.T, name string) string {
	t.Helper()
	if n, ok := strings.CutPrefix(name, "shared:"); ok {
		p, err := classifytree.Photo(n)
		if err != nil {
			t.Skip(err)
		}
		return p
	}
	return filepath.Join("..", "..", "core", "preprocess", "testdata", name)
}

var (
	graftOnce sync.Once
	graftBin  string
	graftErr  error
)

// graftCLI builds core/cmd/graft once per test process.
func graftCLI(t *testing.T) string {
	t.Helper()
	graftOnce.Do(func() {
		dir, err := os.MkdirTemp("", "graft-cli-")
		if err != nil {
			graftErr = err
			return
		}
		graftBin = filepath.Join(dir, "graft")
		out, err := exec.Command("go", "build", "-o", graftBin, "github.com/graftml/graft/core/cmd/graft").CombinedOutput()
		if err != nil {
			graftErr = err
			t.Log(string(out))
		}
	})
	if graftErr != nil {
		t.Fatal(graftErr)
	}
	return graftBin
}

// cliLine is what graft classify --json prints per photo (both forms).
type cliLine struct {
	Path string              `json:"path"`
	Top5 []app.ImageNetClass `json:"top5"`
	Head *struct {
		Class     string   `json:"class"`
		Prob      float32  `json:"prob"`
		Unknown   bool     `json:"unknown"`
		Score     *float64 `json:"score"`
		Threshold *float64 `json:"threshold"`
		Nearest   string   `json:"nearest"`
	} `json:"head"`
}

// cliGolden runs graft classify on the photos with the tree's model (and head, if any).
func cliGolden(t *testing.T, dir string, photos []string) map[string]cliLine {
	t.Helper()
	bin := graftCLI(t)
	golden := map[string]cliLine{}
	run := func(args ...string) {
		cmd := exec.Command(bin, append(append([]string{"classify", "--json", "--model", filepath.Join(dir, app.ServeModelDir)}, args...), photos...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("graft classify %v: %v\n%s", args, err, stderr.String())
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			var l cliLine
			if err := json.Unmarshal([]byte(line), &l); err != nil {
				t.Fatal(err)
			}
			g := golden[l.Path]
			if l.Top5 != nil {
				g.Top5 = l.Top5
			}
			if l.Head != nil {
				g.Head = l.Head
			}
			golden[l.Path] = g
		}
	}
	run()
	var hm app.HeadManifest
	if b, err := os.ReadFile(filepath.Join(dir, app.HeadManifestFile)); err == nil {
		json.Unmarshal(b, &hm)
		run("--head", filepath.Join(dir, hm.File))
	}
	return golden
}

// classifyClient waits longer than client: 100 photos may queue for one slot, and in the
// Worker the first request also loads the model.
var classifyClient = &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{DisableCompression: true}}

// postPhoto sends data as the raw body (multipart false) or as the field "photo".
func postPhoto(t *testing.T, url string, data []byte, multi bool) (*http.Response, []byte) {
	t.Helper()
	ctype := "application/octet-stream"
	body := data
	if multi {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("photo", "photo.jpg")
		fw.Write(data)
		mw.Close()
		body, ctype = buf.Bytes(), mw.FormDataContentType()
	}
	resp, err := classifyClient.Post(url, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// bombPNG is a valid 1×1 PNG whose header says 30000×30000 (about 3.4 GiB of RGBA).
func bombPNG() []byte {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	ihdr := b[8+8 : 8+8+13] // after the signature and the chunk's length and type
	binary.BigEndian.PutUint32(ihdr[0:], 30000)
	binary.BigEndian.PutUint32(ihdr[4:], 30000)
	binary.BigEndian.PutUint32(b[8+8+13:], crc32.ChecksumIEEE(b[8+4:8+8+13]))
	return b
}

// runClassifyChecks: golden answers and every error case against base, serving the tree in dir
// (a complete model with a head). Probabilities must equal the CLI's within relTol: 0 natively
// (the same kernels), and a float32 rounding margin for the Worker, whose kernels are the
// SIMD128 wasm module (another summation order than the native AVX2 ones): classes and their
// order must still be the CLI's.
func runClassifyChecks(t *testing.T, base, dir string, relTol float64) {
	near := func(a, b float32) bool { return math.Abs(float64(a)-float64(b)) <= relTol*math.Abs(float64(b)) }
	sameClass := func(a, b app.ImageNetClass) bool {
		return a.Index == b.Index && a.Synset == b.Synset && a.Name == b.Name && near(a.Prob, b.Prob)
	}
	var paths []string
	for _, n := range classifyPhotos {
		paths = append(paths, photoPath(t, n))
	}
	golden := cliGolden(t, dir, paths)
	url := base + "/api/classify"
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := postPhoto(t, url, data, i%2 == 1)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", p, ct)
		}
		wantSecurityHeaders(t, resp)
		var got app.ClassifyResult
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		g := golden[p]
		if len(got.ImageNet) != 5 || len(g.Top5) != 5 {
			t.Fatalf("%s: top5 %v, CLI %v (%s)", p, got.ImageNet, g.Top5, got.ImageNetUnavailable)
		}
		for k := range 5 {
			if !sameClass(got.ImageNet[k], g.Top5[k]) {
				t.Errorf("%s: top %d = %+v, graft classify says %+v", p, k+1, got.ImageNet[k], g.Top5[k])
			}
		}
		h := got.Head
		if h == nil || g.Head == nil || h.Class != g.Head.Class || !near(h.Prob, g.Head.Prob) || h.Unknown != g.Head.Unknown ||
			h.Nearest != g.Head.Nearest || (g.Head.Score != nil && (h.Score == nil || math.Abs(*h.Score-*g.Head.Score) > relTol*math.Abs(*g.Head.Score))) {
			t.Errorf("%s: head %+v, graft classify --head says %+v", p, h, g.Head)
		} else if g.Head.Score != nil {
			t.Logf("%s: head %s %.4f, score %.3f (threshold %.3f); top-1 %s %.4f", filepath.Base(p), h.Class, h.Prob, *h.Score, *h.Threshold, got.ImageNet[0].Name, got.ImageNet[0].Prob)
		}
		if got.Resize != "crop" || got.Model == "" || !got.Synthetic || got.Width <= 0 {
			t.Errorf("%s: %s", p, body)
		}
	}
	cat, _ := os.ReadFile(paths[0])

	resp, body := postPhoto(t, url+"?top=1&head=0", cat, false)
	var one app.ClassifyResult
	json.Unmarshal(body, &one)
	if resp.StatusCode != 200 || len(one.ImageNet) != 1 || one.Head != nil || !sameClass(one.ImageNet[0], golden[paths[0]].Top5[0]) {
		t.Errorf("?top=1&head=0: %d %s", resp.StatusCode, body)
	}

	r, err := classifyClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	wantClassifyError(t, "GET", r, b, http.StatusMethodNotAllowed, "method")
	if r.Header.Get("Allow") != "POST" {
		t.Errorf("GET: Allow %q", r.Header.Get("Allow"))
	}
	errorCases := []struct {
		name   string
		query  string
		data   []byte
		multi  bool
		status int
		code   string
		msg    string
	}{
		{"11 MB", "", bytes.Repeat([]byte{0xff}, 11<<20), false, 413, "too_large", "10 MB"},
		{"11 MB multipart", "", bytes.Repeat([]byte{0xff}, 11<<20), true, 413, "too_large", "10 MB"},
		{"HTML", "", []byte("<!doctype html><p>hello"), false, 415, "not_image", "HTML"},
		{"PDF multipart", "", []byte("%PDF-1.4 ..."), true, 415, "not_image", "PDF"},
		{"empty", "", nil, false, 415, "not_image", "0 bytes"},
		{"truncated JPEG", "", cat[:len(cat)/3], false, 422, "undecodable", "jpeg"},
		{"bomb", "", bombPNG(), false, 422, "decompression_bomb", "30000×30000"},
		{"top=x", "?top=x", cat, false, 400, "bad_request", "top"},
		{"top=1001", "?top=1001", cat, false, 400, "bad_request", "top"},
		{"head=2", "?head=2", cat, false, 400, "bad_request", "head"},
	}
	for _, c := range errorCases {
		resp, body := postPhoto(t, url+c.query, c.data, c.multi)
		wantClassifyError(t, c.name, resp, body, c.status, c.code)
		if !strings.Contains(string(body), c.msg) {
			t.Errorf("%s: %s does not say %q", c.name, body, c.msg)
		}
	}
	// a multipart body without the field
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("other", "x")
	mw.Close()
	r, err = classifyClient.Post(url, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(r.Body)
	r.Body.Close()
	wantClassifyError(t, "no photo field", r, b, 400, "bad_request")
}

func wantClassifyError(t *testing.T, name string, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	var e struct{ Error, Code string }
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != status || e.Code != code || e.Error == "" {
		t.Errorf("%s: %d %s, want %d with code %q", name, resp.StatusCode, body, status, code)
	}
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s: Content-Type %q", name, resp.Header.Get("Content-Type"))
	}
}

// classifyServer writes a tree and serves it natively as go run ./server does.
func classifyServer(t *testing.T, opts classifytree.Options) (base, dir string, log *syncBuffer) {
	t.Helper()
	if _, err := classifytree.PartialH5(); err != nil {
		t.Skip(err)
	}
	dir = t.TempDir()
	if _, err := classifytree.Write(dir, opts); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	log = &syncBuffer{}
	lg := stdlog.New(log, "", 0)
	srv := httptest.NewServer(New(root.FS(), Options{AccessLog: lg, ErrorLog: lg}))
	t.Cleanup(srv.Close)
	return srv.URL, dir, log
}

func TestClassifyNative(t *testing.T) {
	base, dir, log := classifyServer(t, classifytree.Options{Missing: convert.MissingSynthetic, Head: true})
	runClassifyChecks(t, base, dir, 0)
	if strings.Contains(log.String(), "\xff\xd8") {
		t.Error("photo bytes in the log")
	}
}

func TestClassifyTruncatedNoHead(t *testing.T) {
	base, _, _ := classifyServer(t, classifytree.Options{Missing: convert.MissingTruncate, Head: true})
	cat, _ := os.ReadFile(photoPath(t, "shared:cat.jpg"))
	resp, body := postPhoto(t, base+"/api/classify", cat, false)
	var got app.ClassifyResult
	json.Unmarshal(body, &got)
	if resp.StatusCode != 200 || got.ImageNet != nil || !strings.Contains(got.ImageNetUnavailable, "conv4_block6_out") || got.Head == nil {
		t.Errorf("truncated model: %d %s", resp.StatusCode, body)
	}
	base, _, _ = classifyServer(t, classifytree.Options{Missing: convert.MissingTruncate})
	resp, body = postPhoto(t, base+"/api/classify?head=1", cat, false)
	wantClassifyError(t, "?head=1 without a head", resp, body, 400, "bad_request")
}

func TestClassifyNoModel(t *testing.T) {
	srv := httptest.NewServer(New(os.DirFS(t.TempDir()), Options{}))
	defer srv.Close()
	resp, body := postPhoto(t, srv.URL+"/api/classify", []byte("x"), false)
	wantClassifyError(t, "no model", resp, body, 503, "unavailable")
}
