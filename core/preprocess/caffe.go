// caffe.go implements Keras' "caffe" input preprocessing and Load, the whole path from bytes.
//
// Where the truth lives: keras/src/applications/imagenet_utils.py, _preprocess_numpy_input
// with mode="caffe" (what keras.applications.resnet50.preprocess_input uses): for
// channels-last input, x = x[..., ::-1] (RGB → BGR), then x[..., c] -= mean[c] with
// mean = [103.939, 116.779, 123.68] (B, G, R); no scaling. NumPy does that subtraction on a
// float32 array with the Python float cast to float32, so we subtract float32 constants in
// float32 arithmetic and get the same bits.
package preprocess

import "image"

// CaffeMeanBGR is the per-channel ImageNet mean that caffe mode subtracts, in B, G, R order.
var CaffeMeanBGR = [3]float32{103.939, 116.779, 123.68}

// CaffeBGR converts an RGB image to Keras caffe-mode input: [H,W,3] float32, channels in
// B, G, R order, mean subtracted, not scaled (values in about [-124, 152]). Alpha is ignored.
func CaffeBGR(img *image.RGBA) []float32 {
	b := img.Rect
	w, h := b.Dx(), b.Dy()
	out := make([]float32, h*w*3) // [H,W,3] BGR
	for y := 0; y < h; y++ {
		src := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		dst := out[y*w*3 : (y+1)*w*3]
		for x := 0; x < w; x++ {
			r, g, bl := src[4*x], src[4*x+1], src[4*x+2]
			dst[3*x] = float32(bl) - CaffeMeanBGR[0]
			dst[3*x+1] = float32(g) - CaffeMeanBGR[1]
			dst[3*x+2] = float32(r) - CaffeMeanBGR[2]
		}
	}
	return out
}

// Load runs the whole input path: Decode (format check, pixel budget, EXIF orientation) →
// Resize(mode, size) → CaffeBGR. The result is [size,size,3] float32, BGR, mean subtracted:
// the input of Keras' ResNet50 for one image (add N = 1 in front).
func Load(data []byte, mode ResizeMode, size int) ([]float32, error) {
	img, _, err := Decode(data)
	if err != nil {
		return nil, err
	}
	rgb, err := Resize(img, mode, size)
	if err != nil {
		return nil, err
	}
	return CaffeBGR(rgb), nil
}
