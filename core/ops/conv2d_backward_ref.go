// conv2d_backward_ref.go: the slow obvious twin of Conv2DBackward: the gradients of
// y = conv(x, w) + bias (conv2d_ref.go's definition, tf.nn.conv2d's cross-correlation) read off
// the definition by the chain rule, as nested loops accumulated in float64:
//
//	dx[n,iy,ix,c]  = Σ_{oh,ow,i,j,co: iy = oh*sh-padTop+i, ix = ow*sw-padLeft+j} dy[n,oh,ow,co]·w[i,j,c,co]
//	dw[i,j,c,co]   = Σ_{n,oh,ow} x[n, oh*sh-padTop+i, ow*sw-padLeft+j, c]·dy[n,oh,ow,co]  (x = 0 outside)
//	db[co]         = Σ_{n,oh,ow} dy[n,oh,ow,co]
package ops

import "github.com/graftml/graft/core/tensor"

// Conv2DBackwardRef computes the same gradients as Conv2DBackward, directly (see the file
// comment): every product x·w of the forward sum sends dy to x's and w's accumulators.
func Conv2DBackwardRef(x, w, dy *tensor.Tensor, strideH, strideW int, pad Padding, needDx bool) (dx, dw *tensor.Tensor, db []float32, err error) {
	g, err := newConvBackwardGeometry("Conv2DBackwardRef", x, w, dy, strideH, strideW, pad)
	if err != nil {
		return nil, nil, nil, err
	}
	dx64 := make([]float64, 0)           // [N,H,W,Cin]
	dw64 := make([]float64, len(w.Data)) // [KH,KW,Cin,Cout]
	db64 := make([]float64, g.cout)      // [Cout]
	if needDx {
		dx64 = make([]float64, len(x.Data))
	}
	for n := range g.n {
		for oh := range g.oh {
			for ow := range g.ow {
				dyRow := dy.Data[((n*g.oh+oh)*g.ow+ow)*g.cout:][:g.cout] // [Cout]
				for co, d := range dyRow {
					db64[co] += float64(d)
				}
				for i := range g.kh {
					for j := range g.kw {
						iy, ix := oh*g.sh-g.padTop+i, ow*g.sw-g.padLeft+j
						if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w {
							continue
						}
						for c := range g.cin {
							xi := ((n*g.h+iy)*g.w+ix)*g.cin + c
							wi := ((i*g.kw+j)*g.cin + c) * g.cout
							for co, d := range dyRow {
								dw64[wi+co] += float64(x.Data[xi]) * float64(d)
								if needDx {
									dx64[xi] += float64(w.Data[wi+co]) * float64(d)
								}
							}
						}
					}
				}
			}
		}
	}
	if needDx {
		dx = tensor.New(x.Shape...)
		round(dx.Data, dx64)
	}
	dw = tensor.New(w.Shape...)
	round(dw.Data, dw64)
	db = make([]float32, g.cout)
	round(db, db64)
	return dx, dw, db, nil
}

// round sets d[i] = float32(s[i]).
func round(d []float32, s []float64) {
	for i, v := range s {
		d[i] = float32(v)
	}
}
