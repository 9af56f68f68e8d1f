// resize.go defines the resize modes and Resize, which brings any image to size×size opaque RGB.
// Both modes first drop alpha as PIL's convert("RGB") does (rgb.go).
package preprocess

import (
	"fmt"
	"image"
	"strings"
)

// ResizeMode says how an image becomes size×size.
type ResizeMode string

const (
	// Nearest reproduces Keras' load_img(target_size=(size, size)) exactly: PIL's NEAREST resize
	// of the whole image to size×size, aspect ratio not kept (nearest.go). Use it for parity
	// with Keras' numbers.
	Nearest ResizeMode = "nearest"
	// Crop resizes with an antialiasing triangle filter so the shorter side becomes size and
	// keeps the centre size×size square (crop.go); small images are upscaled bilinearly.
	// It keeps the aspect ratio and does not alias, so it is the better default.
	Crop ResizeMode = "crop"
)

// DefaultResize is the mode used unless the user asks for Keras parity.
const DefaultResize = Crop

// InputSize is ResNet50's input side (224×224).
const InputSize = 224

// MaxSize bounds the size argument of Resize and Load (far above any model input).
const MaxSize = 4096

// ParseResizeMode parses "nearest" or "crop" (case and surrounding spaces ignored).
func ParseResizeMode(s string) (ResizeMode, error) {
	switch m := ResizeMode(strings.ToLower(strings.TrimSpace(s))); m {
	case Nearest, Crop:
		return m, nil
	}
	return "", fmt.Errorf("preprocess: unknown resize mode %q (want %q or %q)", s, Nearest, Crop)
}

// String returns the mode's name.
func (m ResizeMode) String() string { return string(m) }

// Description says in words what the mode does, for showing which one is in use.
func (m ResizeMode) Description() string {
	switch m {
	case Nearest:
		return "nearest: whole image squeezed to a square with PIL nearest sampling (Keras load_img parity)"
	case Crop:
		return "crop: shorter side resized with an antialiasing filter, centre square kept"
	}
	return "unknown resize mode " + string(m)
}

// Resize brings img to size×size opaque RGB with the given mode. The result has bounds
// (0,0)-(size,size) and alpha 255 everywhere.
func Resize(img image.Image, mode ResizeMode, size int) (*image.RGBA, error) {
	if size <= 0 || size > MaxSize {
		return nil, fmt.Errorf("preprocess: resize to %d×%d: size must be in 1..%d", size, size, MaxSize)
	}
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("preprocess: resize of an empty image")
	}
	switch mode {
	case Nearest:
		return resizeNearest(img, size, size), nil
	case Crop:
		return resizeCrop(img, size), nil
	}
	return nil, fmt.Errorf("preprocess: unknown resize mode %q (want %q or %q)", mode, Nearest, Crop)
}
