// gradcam_test.go: Grad-CAM against its definition computed by GoMLX's autodiff
// (core/reference.GradCAM) on awkward sizes, and that the map lights up where the evidence is.
package head

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/reference"
)

func randomNet(r *rand.Rand, out Output, sizes ...int) *Net {
	n := &Net{Output: out}
	for i := 0; i+1 < len(sizes); i++ {
		d := Dense{In: sizes[i], Out: sizes[i+1], Kernel: make([]float32, sizes[i]*sizes[i+1]), Bias: make([]float32, sizes[i+1])}
		for j := range d.Kernel {
			d.Kernel[j] = float32(r.NormFloat64() / math.Sqrt(float64(sizes[i])))
		}
		for j := range d.Bias {
			d.Bias[j] = float32(0.1 * r.NormFloat64())
		}
		n.Layers = append(n.Layers, d)
	}
	return n
}

func TestGradCAMMatchesGoMLX(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		name    string
		net     *Net
		h, w    int
		classes int
	}{
		{"softmax mlp", randomNet(r, Softmax, 7, 5, 3), 3, 5, 3},
		{"softmax linear", randomNet(r, Softmax, 13, 4), 1, 7, 4},
		{"sigmoid two hidden", randomNet(r, Sigmoid, 6, 9, 4, 1), 4, 4, 2},
	} {
		f := c.net.Features()
		a := make([]float32, c.h*c.w*f)
		for i := range a {
			a[i] = float32(math.Max(0, r.NormFloat64()+0.3)) // post-ReLU activations
		}
		var layers []reference.DenseLayer
		for _, d := range c.net.Layers {
			layers = append(layers, reference.DenseLayer{In: d.In, Out: d.Out, Kernel: d.Kernel, Bias: d.Bias})
		}
		for class := range c.classes {
			got, err := c.net.GradCAM(a, c.h, c.w, class)
			if err != nil {
				t.Fatal(err)
			}
			want, err := reference.GradCAM(layers, string(c.net.Output), a, c.h, c.w, class)
			if err != nil {
				t.Fatal(err)
			}
			peak := 0.0
			for _, v := range want {
				peak = math.Max(peak, float64(v))
			}
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*math.Max(peak, 1e-3) {
					t.Fatalf("%s class %d: map[%d] %g, GoMLX %g (peak %g)", c.name, class, i, got[i], want[i], peak)
				}
			}
		}
	}
	if _, err := randomNet(r, Softmax, 4, 2).GradCAM(make([]float32, 7), 1, 2, 0); err == nil {
		t.Error("a feature map of the wrong size was accepted")
	}
	if _, err := randomNet(r, Softmax, 4, 2).ScoreGradient(make([]float32, 4), 2); err == nil {
		t.Error("class 2 of 2 was accepted")
	}
}

// TestGradCAMFindsTheEvidence: a linear head that says class 1 for feature 0: the map of class
// 1 peaks where feature 0 is, class 0's is dark there.
func TestGradCAMFindsTheEvidence(t *testing.T) {
	const h, w, f = 4, 6, 3
	n := &Net{Output: Softmax, Layers: []Dense{{In: f, Out: 2, Kernel: []float32{-1, 1, 0.1, 0, 0, 0.1}, Bias: []float32{0, 0}}}}
	a := make([]float32, h*w*f)
	for p := range h * w {
		a[p*f+1] = 1
		a[p*f+2] = 0.5
	}
	hot := 2*w + 4
	a[hot*f] = 5
	cam1, _ := n.GradCAM(a, h, w, 1)
	cam0, _ := n.GradCAM(a, h, w, 0)
	for p, v := range cam1 {
		if p != hot && v >= cam1[hot] {
			t.Fatalf("class 1's map: %g at %d, %g at the evidence (%d)", v, p, cam1[hot], hot)
		}
	}
	if cam0[hot] != 0 {
		t.Errorf("class 0's map is %g where the evidence for class 1 is", cam0[hot])
	}
}
