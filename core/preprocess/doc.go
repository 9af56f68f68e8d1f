// Package preprocess turns image bytes into the input of Keras' ResNet50:
//
//	Decode (JPEG, PNG, GIF first frame, WebP, BMP; pixel budget; JPEG EXIF orientation)
//	→ Resize to size×size (Nearest: Keras load_img parity; Crop: antialiased, the default)
//	→ CaffeBGR (keras.applications.imagenet_utils.preprocess_input, mode="caffe").
//
// Load does all three. FromRGBA wraps pixels the browser already decoded, so they take the
// same path after decoding.
//
// Where the truth lives:
//   - Keras: keras.utils.load_img(path, target_size=(224, 224)) opens the file with PIL, converts
//     to RGB with Image.convert("RGB") (alpha is dropped, not composited) and resizes with
//     Image.resize((224, 224), Image.NEAREST). It does not apply EXIF orientation; we do (see Decode).
//   - PIL nearest: Pillow src/_imaging.c _resize (NEAREST → affine transform with
//     a = [in/out, 0, 0, 0, in/out, 0]) → src/libImaging/Geometry.c ImagingScaleAffine.
//   - PIL antialiased resampling: Pillow src/libImaging/Resample.c precompute_coeffs
//     (triangle filter for BILINEAR, support scaled by the downscale factor).
//   - caffe mode: keras/src/applications/imagenet_utils.py _preprocess_numpy_input.
//
// Axis vocabulary: H, W (pixels), C = 3 channels. Pixel buffers are row-major [H,W,C];
// the float output is [H,W,3] in BGR order (NHWC without N).
package preprocess
