// caffe_test.go checks the caffe-mode conversion (channel order, means, sub-image origin) and Load.
package preprocess

import (
	"image"
	"image/color"
	"testing"
)

// Keras' caffe means, written here independently of CaffeMeanBGR: B, G, R.
const meanB, meanG, meanR float32 = 103.939, 116.779, 123.68

func TestCaffeBGR(t *testing.T) {
	big := noiseRGBA(9, 7, 3)
	sub := big.SubImage(image.Rect(2, 1, 7, 6)).(*image.RGBA) // 5×5 at a non-zero origin
	got := CaffeBGR(sub)
	if len(got) != 5*5*3 {
		t.Fatalf("len %d, want 75", len(got))
	}
	for y := 0; y < 5; y++ {
		for x := 0; x < 5; x++ {
			p := big.RGBAAt(2+x, 1+y)
			// NumPy: float32 array minus a Python float → float32 arithmetic with the mean
			// rounded to float32, which is what these float32 expressions do.
			want := [3]float32{float32(p.B) - meanB, float32(p.G) - meanG, float32(p.R) - meanR}
			i := (y*5 + x) * 3
			if got[i] != want[0] || got[i+1] != want[1] || got[i+2] != want[2] {
				t.Fatalf("(%d,%d): got %v, want %v (pixel %v)", x, y, got[i:i+3], want, p)
			}
		}
	}
}

func TestLoadSolidRed(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			m.SetRGBA(x, y, color.RGBA{255, 0, 0, 255})
		}
	}
	data := encodePNG(t, m)
	want := [3]float32{0 - meanB, 0 - meanG, 255 - meanR}
	for _, mode := range []ResizeMode{Nearest, Crop} {
		for _, size := range []int{InputSize, 1, 17} {
			x, err := Load(data, mode, size)
			if err != nil {
				t.Fatal(err)
			}
			if len(x) != size*size*3 {
				t.Fatalf("%s %d: len %d", mode, size, len(x))
			}
			for i := 0; i < len(x); i += 3 {
				if x[i] != want[0] || x[i+1] != want[1] || x[i+2] != want[2] {
					t.Fatalf("%s %d: pixel %d = %v, want %v", mode, size, i/3, x[i:i+3], want)
				}
			}
		}
	}
	if _, err := Load([]byte("not an image"), Crop, InputSize); err == nil {
		t.Errorf("Load of text: no error")
	}
	if _, err := Load(data, "bogus", InputSize); err == nil {
		t.Errorf("Load with a bogus mode: no error")
	}
}
