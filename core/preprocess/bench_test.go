// bench_test.go measures the input path on sizes from the real data: a 500×375 ImageNet-sample
// photo and a 12 Mpx (4032×3024) phone photo. Run: go test -run '^$' -bench . ./core/preprocess
package preprocess

import (
	"fmt"
	"image"
	"testing"
)

var benchSizes = []struct {
	name string
	w, h int
}{
	{"500x375", 500, 375},
	{"4032x3024", 4032, 3024},
}

// BenchmarkResize: YCbCr 4:2:0 source (what image/jpeg returns) → 224×224.
func BenchmarkResize(b *testing.B) {
	for _, s := range benchSizes {
		img := image.NewYCbCr(image.Rect(0, 0, s.w, s.h), image.YCbCrSubsampleRatio420)
		for i := range img.Y {
			img.Y[i] = uint8(i * 7)
		}
		for _, mode := range []ResizeMode{Nearest, Crop} {
			b.Run(fmt.Sprintf("size=%s/mode=%s", s.name, mode), func(b *testing.B) {
				for b.Loop() {
					if _, err := Resize(img, mode, InputSize); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkLoad: JPEG bytes (quality 90) → [224,224,3] caffe input, the whole path.
func BenchmarkLoad(b *testing.B) {
	for _, s := range benchSizes {
		data := encodeJPEG(b, noiseRGBA(s.w, s.h, 1), 90)
		for _, mode := range []ResizeMode{Nearest, Crop} {
			b.Run(fmt.Sprintf("size=%s/mode=%s", s.name, mode), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := Load(data, mode, InputSize); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkOrient: a 12 Mpx JPEG-shaped image rotated for EXIF orientation 6.
func BenchmarkOrient(b *testing.B) {
	img := image.NewYCbCr(image.Rect(0, 0, 4032, 3024), image.YCbCrSubsampleRatio420)
	for b.Loop() {
		orient(img, 6)
	}
}
