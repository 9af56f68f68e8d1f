// Session: the browser path after decoding (RGBA → Session.Classify) gives exactly what the
// command line's path (file bytes → preprocess.Load → resnet50) gives, and a photo that arrives
// before the layers waits for them.
package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/graftml/graft/core/imagenet"
	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/web/wire"
	"github.com/graftml/graft/weights/format"
)

// testPhoto is a deterministic 301×203 image with edges, gradients and a transparent corner.
func testPhoto() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 301, 203))
	for y := range 203 {
		for x := range 301 {
			c := color.NRGBA{uint8(x * 255 / 300), uint8(y * 255 / 202), uint8((x*7 + y*13) % 256), 255}
			if (x/37+y/29)%2 == 0 {
				c.B = 255 - c.B
			}
			if x < 20 && y < 20 {
				c.A = 0
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// loadedSession is a session with every chunk of the fixture added.
func loadedSession(t *testing.T) *Session {
	t.Helper()
	f := testModel(t)
	s, err := NewSession(f.manifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range f.files {
		if _, err := s.AddChunk(file, f.chunks[file]); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestClassifyEqualsCommandLinePath(t *testing.T) {
	s := loadedSession(t)
	photo := testPhoto()
	var pngBytes bytes.Buffer
	if err := png.Encode(&pngBytes, photo); err != nil {
		t.Fatal(err)
	}
	model, err := resnet50.New(s.Loader(), resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []preprocess.ResizeMode{preprocess.Crop, preprocess.Nearest} {
		// The command line: bytes → Load → Run.
		pixels, err := preprocess.Load(pngBytes.Bytes(), mode, resnet50.InputSize)
		if err != nil {
			t.Fatal(err)
		}
		x, _ := tensor.FromData(pixels, 1, resnet50.InputSize, resnet50.InputSize, 3)
		probs, err := model.Run(x, "predictions", nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := imagenet.TopK(probs.Data, TopK)
		// The browser: decoded RGBA (straight alpha, a stride with padding) → Classify.
		stride := 4*photo.Rect.Dx() + 12
		buf := make([]byte, stride*photo.Rect.Dy())
		for y := range photo.Rect.Dy() {
			copy(buf[y*stride:], photo.Pix[y*photo.Stride:y*photo.Stride+4*photo.Rect.Dx()])
		}
		got, gotFeat, err := s.ClassifyPooling(context.Background(), Pixels{RGBA: buf, Width: 301, Height: 203, Stride: stride}, mode, s.FeatureLayer())
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if got.Top5[i].Index != want[i].Index || got.Top5[i].Prob != want[i].Prob {
				t.Errorf("%s: label %d is %d %.7f, the command-line path gives %d %.7f", mode, i+1,
					got.Top5[i].Index, got.Top5[i].Prob, want[i].Index, want[i].Prob)
			}
		}
		if got.Resize != string(mode) || got.ResizeText != mode.Description() || !got.Synthetic || got.Width != 301 {
			t.Errorf("%s: result facts %+v", mode, got)
		}
		// The features of the last real layer from the same pass, as `graft features` prints them.
		act, err := model.Run(x, fixtureFeatureLayer, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantFeat := ops.GlobalAvgPool(act).Data
		if s.FeatureLayer() != fixtureFeatureLayer || len(gotFeat) != len(wantFeat) {
			t.Fatalf("%s: features of %q (%d), want %s (%d)", mode, s.FeatureLayer(), len(gotFeat), fixtureFeatureLayer, len(wantFeat))
		}
		for i := range wantFeat {
			if gotFeat[i] != wantFeat[i] {
				t.Fatalf("%s: feature %d is %g, want %g", mode, i, gotFeat[i], wantFeat[i])
			}
		}
	}
}

// TestClassifyWaitsForLayers: a photo given with half the chunks in runs the layers they hold
// at once, then waits for the rest, and its result says both.
func TestClassifyWaitsForLayers(t *testing.T) {
	f := testModel(t)
	s, err := NewSession(f.manifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range f.files[:len(f.files)/2] {
		if _, err := s.AddChunk(file, f.chunks[file]); err != nil {
			t.Fatal(err)
		}
	}
	photo := testPhoto()
	done := make(chan error, 1)
	var res *wire.Result
	go func() {
		r, err := s.Classify(context.Background(), Pixels{RGBA: photo.Pix, Width: 301, Height: 203, Stride: photo.Stride}, preprocess.Crop)
		if err == nil && r.WaitMs <= 0 {
			err = errors.New("the result says it did not wait")
		}
		res = r
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Classify returned before the layers were in: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if s.Ready() {
		t.Fatal("Ready with half the chunks")
	}
	for _, file := range f.files[len(f.files)/2:] {
		if _, err := s.AddChunk(file, f.chunks[file]); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := res.WaitMs + res.ModelMs; d < 50 {
		t.Errorf("waited %v ms and computed %v ms: at least the 50 ms before the rest arrived", res.WaitMs, res.ModelMs)
	}
	if res.StreamedLayers == 0 {
		t.Errorf("no layer ran before the last chunk arrived")
	}
	want, err := s.Classify(context.Background(), Pixels{RGBA: photo.Pix, Width: 301, Height: 203, Stride: photo.Stride}, preprocess.Crop)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(want.Top5) != fmt.Sprint(res.Top5) || want.StreamedLayers != 0 {
		t.Errorf("the pass started while streaming gave %v (%d layers early), the same photo after %v (%d)", res.Top5, res.StreamedLayers, want.Top5, want.StreamedLayers)
	}
}

func TestClassifyAborted(t *testing.T) {
	f := testModel(t)
	s, err := NewSession(f.manifest)
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("server gone")
	go func() {
		time.Sleep(10 * time.Millisecond)
		s.Abort(cause)
	}()
	_, err = s.Classify(context.Background(), Pixels{RGBA: make([]byte, 4*64*64), Width: 64, Height: 64, Stride: 256}, preprocess.Nearest)
	if !errors.Is(err, cause) {
		t.Errorf("Classify after Abort: %v, want it to wrap %v", err, cause)
	}
}

func TestClassifyBadPixels(t *testing.T) {
	s := loadedSession(t)
	for _, px := range []Pixels{
		{RGBA: make([]byte, 10), Width: 4, Height: 4, Stride: 16},
		{RGBA: nil, Width: 0, Height: 0, Stride: 0},
		{RGBA: make([]byte, 64), Width: 4, Height: 4, Stride: 8},
	} {
		if _, err := s.Classify(context.Background(), px, preprocess.Crop); err == nil {
			t.Errorf("Classify(%d bytes, %d×%d, stride %d) succeeded", len(px.RGBA), px.Width, px.Height, px.Stride)
		}
	}
	if _, err := s.Classify(context.Background(), Pixels{RGBA: make([]byte, 4*64*64), Width: 64, Height: 64, Stride: 256}, "bicubic"); err == nil {
		t.Error("an unknown resize mode was accepted")
	}
}

func TestAddChunkRefusesCorrupt(t *testing.T) {
	f := testModel(t)
	s, err := NewSession(f.manifest)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), f.chunks[f.files[0]]...)
	bad[0] ^= 1
	var ce *format.ChunkError
	if _, err := s.AddChunk(f.files[0], bad); !errors.As(err, &ce) {
		t.Errorf("a corrupt chunk gave %v", err)
	}
}

// manifestWith is a manifest whose layers have the given states (not validated: the layer
// helpers read only the states).
func manifestWith(states map[string]string) *format.Manifest {
	m := &format.Manifest{}
	for _, c := range resnet50.Convs() {
		m.Layers = append(m.Layers, format.Layer{Name: c.Name, State: format.StatePresent, BatchNorm: c.BN})
	}
	m.Layers = append(m.Layers, format.Layer{Name: format.DenseLayer, State: format.StatePresent})
	for i, l := range m.Layers {
		if st, ok := states[l.Name]; ok {
			m.Layers[i].State = st
		}
	}
	return m
}

func TestRealFeatureLayer(t *testing.T) {
	syn := format.StateSynthetic
	for _, tc := range []struct {
		states map[string]string
		want   string
	}{
		{nil, "predictions"},
		{map[string]string{"predictions": syn}, "avg_pool"},
		{map[string]string{"conv5_block1_2_conv": syn, "predictions": syn}, "conv4_block6_out"},
		{map[string]string{"conv3_block1_0_conv": syn}, "conv2_block3_out"},
		{map[string]string{"conv2_block2_3_conv": format.StateTruncated}, "conv2_block1_out"},
		{map[string]string{"conv2_block1_0_conv": syn}, "pool1_pool"},
		{map[string]string{"conv1_conv": syn}, ""},
	} {
		if got := RealFeatureLayer(manifestWith(tc.states)); got != tc.want {
			t.Errorf("states %v: real feature layer %q, want %q", tc.states, got, tc.want)
		}
	}
}

func TestSyntheticSummary(t *testing.T) {
	syn := format.StateSynthetic
	m := manifestWith(map[string]string{"conv5_block1_2_conv": syn, "conv5_block3_3_conv": syn, "predictions": syn})
	if got, want := SyntheticSummary(m), "2 of 53 conv layers (in conv5) and the classifier"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if got := SyntheticSummary(manifestWith(nil)); got != "" {
		t.Errorf("a real model's summary is %q, want empty", got)
	}
	m = manifestWith(map[string]string{"conv2_block1_1_conv": syn, "conv4_block2_1_conv": syn})
	if got, want := SyntheticSummary(m), "2 of 53 conv layers (in conv2, conv4)"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

// Input draws nothing itself: it must leave the caller's pixels alone (they alias a JS copy).
func TestInputLeavesPixels(t *testing.T) {
	photo := testPhoto()
	before := append([]byte(nil), photo.Pix...)
	if _, err := Input(Pixels{RGBA: photo.Pix, Width: 301, Height: 203, Stride: photo.Stride}, preprocess.Crop); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, photo.Pix) {
		t.Error("Input changed its input pixels")
	}
}
