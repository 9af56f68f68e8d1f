// Hostile and awkward uploads in the browser: a 100 Mpx PNG "decompression bomb", an empty
// file, a cut-off JPEG and PNG, a HEIC photo, an SVG with a script and a 500 MB file each get a
// message naming the file and saying what to do; a CMYK JPEG, a 16-bit PNG and an animated GIF
// (first frame) are classified. After each, a normal photo still classifies. In a training
// folder the same files are skipped with their reasons. The files are made here (the 500 MB
// one sparse, so it takes no disk); testdata/cmyk.jpeg is Go's src/image/testdata/video-001.cmyk.jpeg
// (© The Go Authors, BSD licence).
package e2e

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/graftml/graft/web/wire"
)

// hostileFile is one upload and what the page must say: refused with a message containing
// every want, or (want empty) classified.
type hostileFile struct {
	name string
	want []string
}

var hostileFiles = []hostileFile{
	{"bomb.png", []string{"bomb.png", "10000×10000", "64 Mpx"}},
	{"empty.jpg", []string{"empty.jpg", "empty"}},
	{"cut.jpg", []string{"cut.jpg", "JPEG", "damaged"}},
	{"cut.png", []string{"cut.png", "cut short"}},
	{"IMG_0001.HEIC", []string{"IMG_0001.HEIC", "HEIC", "Convert it to JPEG or PNG"}},
	{"drawing.svg", []string{"drawing.svg", "SVG", "scripts", "Convert it to JPEG or PNG"}},
	{"huge.jpg", []string{"huge.jpg", "524 MB", "256 MB"}},
	{"cmyk.jpg", nil},
	{"deep.png", nil},
	{"animated.gif", nil},
}

// writeHostileFiles makes every hostileFiles entry in dir from the shared photo jpeg.
func writeHostileFiles(t *testing.T, dir, jpeg string) {
	t.Helper()
	photo, err := os.ReadFile(jpeg)
	if err != nil {
		t.Fatal(err)
	}
	pngPath := filepath.Join(t.TempDir(), "whole.png")
	makePNG(t, jpeg, pngPath)
	whole, err := os.ReadFile(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	cmyk, err := os.ReadFile(filepath.Join("testdata", "cmyk.jpeg"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"bomb.png":      pngBomb(t, 10000, 10000),
		"empty.jpg":     nil,
		"cut.jpg":       photo[:len(photo)/2],
		"cut.png":       whole[:len(whole)*3/5],
		"IMG_0001.HEIC": append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 4000)...),
		"drawing.svg":   []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(document.cookie)</script><rect width="64" height="64" fill="red"/></svg>`),
		"cmyk.jpg":      cmyk,
		"deep.png":      png16(t),
		"animated.gif":  animatedGIF(t),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// 500 MB that starts like a JPEG: sparse, so nothing is written but the header.
	f, err := os.Create(filepath.Join(dir, "huge.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(photo[:4096]); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(500 << 20); err != nil {
		t.Fatal(err)
	}
}

// pngBomb is a valid w×h 8-bit grey PNG of zeros: ~100 KB that decodes to w·h bytes (and four
// times that as RGBA). Written row by row, so the test never holds the image.
func pngBomb(t *testing.T, w, h int) []byte {
	t.Helper()
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := make([]byte, 1+w) // filter byte 0, then the row
	for range h {
		z.Write(row)
	}
	z.Close()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	chunk("IHDR", ihdr)
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// png16 is a 64×48 RGBA PNG with 16 bits a sample (a gradient).
func png16(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA64(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.SetRGBA64(x, y, color.RGBA64{uint16(x * 1000), uint16(y * 1300), 40000, 0xffff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if b.Bytes()[24] != 16 { // IHDR bit depth
		t.Fatalf("png.Encode wrote bit depth %d, want 16", b.Bytes()[24])
	}
	return b.Bytes()
}

// animatedGIF has three 48×48 frames of different colours.
func animatedGIF(t *testing.T) []byte {
	t.Helper()
	pal := color.Palette{color.RGBA{200, 40, 40, 255}, color.RGBA{40, 200, 40, 255}, color.RGBA{40, 40, 200, 255}}
	var a gif.GIF
	for i := range 3 {
		f := image.NewPaletted(image.Rect(0, 0, 48, 48), pal)
		for p := range f.Pix {
			f.Pix[p] = uint8(i)
		}
		a.Image, a.Delay = append(a.Image, f), append(a.Delay, 20)
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := gif.EncodeAll(w, &a); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return b.Bytes()
}

func TestHostileUploadsInBrowser(t *testing.T) {
	dist, chromium, _, out, shared := browserTestEnv(t)
	jpeg := filepath.Join(shared, "data", "imagenet-samples", "images", "n02099601_golden_retriever.JPEG")
	dir := t.TempDir()
	writeHostileFiles(t, dir, jpeg)
	normal := filepath.Join(t.TempDir(), "tabby.png")
	makePNG(t, filepath.Join(shared, "data", "imagenet-samples", "images", "n02123045_tabby.JPEG"), normal)
	_, base := startServer(t, dist)
	p := &page{t: t, ctx: newBrowser(t, chromium, out), out: out}
	p.do(chromedp.Navigate(base))
	p.waitModel()

	var times []string
	for _, f := range hostileFiles {
		p.mark("classify")
		start := time.Now()
		p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{filepath.Join(dir, f.name)}))
		raw := p.pollString(`(() => { const r = ` + lastJS(wire.KindResult, "classify") + `; if (r) return r;
			const m = document.querySelector("#error-message")?.textContent || ""; return m ? "failed: " + m : ""; })()`)
		took := time.Since(start)
		times = append(times, f.name+" "+took.Round(time.Millisecond).String())
		p.shot("hostile-" + strings.ReplaceAll(f.name, ".", "-"))
		if f.want == nil {
			env, err := wire.Decode(raw)
			if err != nil || env.Result == nil || len(env.Result.Top5) != 5 {
				t.Errorf("%s: want it classified, the page said %q", f.name, raw)
			} else {
				t.Logf("%s: classified (%d×%d, top-1 %s) in %s", f.name, env.Result.Width, env.Result.Height, env.Result.Top5[0].Name, took.Round(time.Millisecond))
			}
		} else {
			msg := strings.TrimPrefix(raw, "failed: ")
			t.Logf("%s: %q after %s", f.name, msg, took.Round(time.Millisecond))
			for _, w := range f.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%s: the page said %q; want it to say %q", f.name, msg, w)
				}
			}
			p.do(chromedp.Click(chromedp.CSS(".banner button")))
		}
		// The page still works: a normal photo is classified.
		if res := p.classify(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{normal})) }); len(res.Top5) != 5 {
			t.Errorf("after %s a normal photo got %+v", f.name, res)
		}
	}
	t.Logf("from picking the file to the page's answer: %s", strings.Join(times, ", "))
}

// The same files in a training folder: each refused one is skipped with its reason, the
// decodable ones are listed, and a run leaves out the cut-off ones (whose headers are whole)
// with the messages a dropped one gets.
func TestHostileFolderInBrowser(t *testing.T) {
	dist, chromium, _, out, shared := browserTestEnv(t)
	data := filepath.Join(t.TempDir(), "pets")
	makeTrainFolder(t, filepath.Join(shared, "data", "cats-vs-dogs", "train"), data, 2)
	jpeg := filepath.Join(shared, "data", "imagenet-samples", "images", "n02099601_golden_retriever.JPEG")
	writeHostileFiles(t, filepath.Join(data, "cats"), jpeg)
	_, base := startServer(t, dist)
	p := &page{t: t, ctx: newBrowser(t, chromium, out), out: out}
	p.do(chromedp.Navigate(base))
	p.waitModel()
	p.mark("listing")
	start := time.Now()
	p.waitListing(func() { p.do(chromedp.SetUploadFiles(chromedp.ID("folder-input"), []string{data})) })
	took := time.Since(start)
	p.shot("hostile-folder")
	raw := p.pollString(`window.__graftLast("listing", "listing", m => m.listing.final)`)
	env, err := wire.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, s := range env.Listing.Skipped {
		reasons[filepath.Base(s.Path)] = s.Reason
	}
	listed := map[string]bool{}
	for _, e := range env.Listing.Entries {
		listed[filepath.Base(e.Path)] = true
	}
	t.Logf("listed in %s: %d entries; skipped: %v", took.Round(time.Millisecond), len(env.Listing.Entries), reasons)
	for name, want := range map[string][]string{
		"bomb.png":      {"undecodable", "10000×10000", "64 Mpx"},
		"empty.jpg":     {"empty file"},
		"IMG_0001.HEIC": {"not an image", "HEIC"},
		"drawing.svg":   {"not an image", "SVG"},
		"huge.jpg":      {"too large", "524 MB", "256 MB"},
	} {
		for _, w := range want {
			if !strings.Contains(reasons[name], w) {
				t.Errorf("%s: skipped with reason %q, want one saying %q", name, reasons[name], w)
			}
		}
	}
	// Decodable photos are listed; so are the cut-off ones, whose headers are whole: their
	// extraction refuses them with the message a dropped one gets, and the run leaves them out.
	for _, name := range []string{"cmyk.jpg", "deep.png", "animated.gif", "cut.jpg", "cut.png"} {
		if !listed[name] {
			t.Errorf("%s is not listed (skipped: %q)", name, reasons[name])
		}
	}
	p.setField("set-epochs", "2")
	p.clickTrain()
	r := p.waitTrained()
	undecodable := p.pollString(`JSON.stringify(window.__graftRecorded.map(r => { try { return JSON.parse(r.data); } catch { return null; } })
		.filter(m => m && m.kind === "extracted" && m.extracted.undecodable).map(m => m.extracted.undecodable))`)
	t.Logf("trained on %d + %d photos; extraction refused %s", r.TrainImages, r.ValImages, undecodable)
	if r.TrainImages+r.ValImages != len(env.Listing.Entries)-2 {
		t.Errorf("trained on %d + %d of %d listed photos; want all but the two cut-off ones", r.TrainImages, r.ValImages, len(env.Listing.Entries))
	}
	for _, want := range []string{"“cats/cut.png” is a PNG that is cut short", "“cats/cut.jpg” looks like a JPEG file but could not be decoded"} {
		if !strings.Contains(undecodable, want) {
			t.Errorf("extraction refused %s; want %q among the reasons", undecodable, want)
		}
	}
}
