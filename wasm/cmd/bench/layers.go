// layers.go: the input geometry of every conv layer of ResNet50 for a square input, from
// core/resnet50's stage table (resnet50.Convs) and Keras' layer order (arch.go's header):
// conv1 7x7/2 on the ZeroPadding2D(3) input, pool1 3x3/2 after ZeroPadding2D(1), the stride on
// the first block's 1x1 convs, 3x3 convs 'same'.
package main

import "github.com/graftml/graft/core/resnet50"

// convLayer is one conv with the size of its input.
type convLayer struct {
	spec     resnet50.ConvSpec
	h, w     int  // input rows and columns (conv1: after its padding)
	residual bool // the block's last conv, which adds the shortcut
	relu     bool
}

func (l convLayer) out() (oh, ow int) {
	k, s := l.spec.Kernel, l.spec.Stride
	if k == 3 { // 'same'
		return (l.h + s - 1) / s, (l.w + s - 1) / s
	}
	return (l.h-k)/s + 1, (l.w-k)/s + 1
}

func (l convLayer) flops() int64 {
	oh, ow := l.out()
	return 2 * int64(oh*ow) * int64(l.spec.Kernel*l.spec.Kernel*l.spec.Cin) * int64(l.spec.Cout)
}

// convLayers lists ResNet50's convs in execution order with their input sizes.
func convLayers(size int) []convLayer {
	var out []convLayer
	h := size + 6 // conv1_pad
	for _, c := range resnet50.Convs() {
		l := convLayer{spec: c, h: h, w: h, relu: true}
		switch {
		case c.Name == "conv1_conv":
			h = (h-7)/2 + 1   // 112
			h = (h+2-3)/2 + 1 // pool1_pad, pool1_pool: 56
		case c.Name[len(c.Name)-7:] == "_0_conv": // shortcut: no ReLU; its stride shrinks the block
			l.relu = false
		case c.Name[len(c.Name)-7:] == "_1_conv":
			h = (h-1)/c.Stride + 1
		case c.Name[len(c.Name)-7:] == "_3_conv":
			l.residual = true
		}
		out = append(out, l)
	}
	return out
}
