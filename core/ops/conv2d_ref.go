// conv2d_ref.go: the slow obvious twin of Conv2D: the definition of a 2-D convolution
// (cross-correlation, as tf.nn.conv2d) as seven nested loops, accumulated in float64.
package ops

import (
	"fmt"

	"github.com/graftml/graft/core/tensor"
)

// Conv2DRef computes the same function as Conv2D, directly:
//
//	out[n,oh,ow,co] = relu?( Σ_{i,j,c} x[n, oh*sh-padTop+i, ow*sw-padLeft+j, c]·w[i,j,c,co]
//	                         + bias[co] + residual[n,oh,ow,co] ),  x = 0 outside the input.
func Conv2DRef(x, w *tensor.Tensor, bias []float32, strideH, strideW int, pad Padding, residual *tensor.Tensor, relu bool) (*tensor.Tensor, error) {
	g, err := newConvGeometry(x, F32Weights(w), bias, strideH, strideW, pad, residual)
	if err != nil {
		return nil, err
	}
	out := tensor.New(g.n, g.oh, g.ow, g.cout)
	for n := range g.n {
		for oh := range g.oh {
			for ow := range g.ow {
				for co := range g.cout {
					s := 0.0
					for i := range g.kh {
						for j := range g.kw {
							iy, ix := oh*g.sh-g.padTop+i, ow*g.sw-g.padLeft+j
							if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w {
								continue
							}
							for c := range g.cin {
								s += float64(x.Data[((n*g.h+iy)*g.w+ix)*g.cin+c]) *
									float64(w.Data[((i*g.kw+j)*g.cin+c)*g.cout+co])
							}
						}
					}
					o := ((n*g.oh+oh)*g.ow+ow)*g.cout + co
					if bias != nil {
						s += float64(bias[co])
					}
					if residual != nil {
						s += float64(residual.Data[o])
					}
					if relu && s < 0 {
						s = 0
					}
					out.Data[o] = float32(s)
				}
			}
		}
	}
	return out, nil
}

// Conv2DWeightsRef is Conv2DRef on the kernel in float32 form (int8 codes dequantized first,
// w.Float32()): the definition Conv2DWeights is held to.
func Conv2DWeightsRef(x *tensor.Tensor, w Weights, bias []float32, strideH, strideW int, pad Padding, residual *tensor.Tensor, relu bool) (*tensor.Tensor, error) {
	f, err := w.Float32()
	if err != nil {
		return nil, fmt.Errorf("Conv2D: %w", err)
	}
	return Conv2DRef(x, f, bias, strideH, strideW, pad, residual, relu)
}
