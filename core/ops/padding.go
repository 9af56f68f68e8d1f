// padding.go: output sizes and padding of Keras/TensorFlow 'valid' and 'same' windows
// (tf.nn.conv2d / max_pool2d semantics, which Keras Conv2D and MaxPooling2D follow), and
// ZeroPadding2D.
package ops

import (
	"fmt"

	"github.com/graftml/graft/core/tensor"
)

// Padding is the Keras padding mode of a sliding window.
type Padding int

const (
	// Valid: no padding; windows lie fully inside the input. out = floor((in-k)/s) + 1.
	Valid Padding = iota
	// Same: out = ceil(in/s); pad_total = max((out-1)*s + k - in, 0), pad_before = pad_total/2,
	// the extra one (if odd) after, i.e. at the bottom/right, as TensorFlow does.
	Same
)

func (p Padding) String() string {
	switch p {
	case Valid:
		return "valid"
	case Same:
		return "same"
	}
	return fmt.Sprintf("Padding(%d)", int(p))
}

// WindowOutputSize gives the output length of a window of size k and stride s over an input of
// length in, and the padding before and after it.
func WindowOutputSize(in, k, s int, pad Padding) (out, padBefore, padAfter int, err error) {
	if in < 1 || k < 1 || s < 1 {
		return 0, 0, 0, fmt.Errorf("window over input %d with size %d and stride %d: all must be >= 1", in, k, s)
	}
	switch pad {
	case Valid:
		if k > in {
			return 0, 0, 0, fmt.Errorf("'valid' window of size %d does not fit input of size %d", k, in)
		}
		return (in-k)/s + 1, 0, 0, nil
	case Same:
		out = (in + s - 1) / s
		total := max((out-1)*s+k-in, 0)
		return out, total / 2, total - total/2, nil
	}
	return 0, 0, 0, fmt.Errorf("unknown padding %v", pad)
}

// ZeroPad2D pads x [N,H,W,C] with zeros: top/bottom rows and left/right columns
// (Keras ZeroPadding2D(((top, bottom), (left, right)))). Result [N, H+top+bottom, W+left+right, C].
// It panics if x is not rank 4 or a padding is negative.
func ZeroPad2D(x *tensor.Tensor, top, bottom, left, right int) *tensor.Tensor {
	mustOK("ZeroPad2D", tensor.CheckShape("input", x, -1, -1, -1, -1))
	if top < 0 || bottom < 0 || left < 0 || right < 0 {
		mustOK("ZeroPad2D", fmt.Errorf("negative padding (%d, %d, %d, %d) of %v", top, bottom, left, right, x))
	}
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow := h+top+bottom, w+left+right
	out := tensor.New(n, oh, ow, c)
	for b := range n {
		for y := range h {
			src := x.Data[((b*h+y)*w)*c : ((b*h+y)*w+w)*c]
			copy(out.Data[((b*oh+y+top)*ow+left)*c:], src)
		}
	}
	return out
}
