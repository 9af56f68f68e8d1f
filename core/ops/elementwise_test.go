// elementwise_test.go: ReLU and Add.
package ops

import (
	"math"
	"strings"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

func TestReLU(t *testing.T) {
	x, _ := tensor.FromData([]float32{-2, -0.0, 0, 3, float32(math.NaN()), float32(math.Inf(-1))}, 6)
	ReLU(x)
	if x.Data[0] != 0 || x.Data[2] != 0 || x.Data[3] != 3 || !math.IsNaN(float64(x.Data[4])) || x.Data[5] != 0 {
		t.Errorf("ReLU = %v", x.Data)
	}
}

func TestAdd(t *testing.T) {
	a, _ := tensor.FromData([]float32{1, 2, 3, 4}, 1, 2, 2, 1)
	b, _ := tensor.FromData([]float32{10, 20, 30, 40}, 1, 2, 2, 1)
	s, err := Add(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if s.Data[0] != 11 || s.Data[3] != 44 || a.Data[0] != 1 {
		t.Errorf("Add = %v (a = %v)", s.Data, a.Data)
	}
	c := tensor.New(1, 4, 1, 1)
	if _, err := Add(a, c); err == nil || !strings.Contains(err.Error(), "[1,2,2,1]") || !strings.Contains(err.Error(), "[1,4,1,1]") {
		t.Errorf("Add of [1,2,2,1] and [1,4,1,1]: err = %v", err)
	}
}
