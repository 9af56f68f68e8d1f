package head

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

// synthBase describes 64 features: pool1_pool has 64 channels, so synthetic data of that width
// passes Base.Check like real features would.
var synthBase = Base{ModelID: "test-model", Layer: "pool1_pool", Features: 64, Resize: "crop"}

// blobs returns perClass examples of each of classes Gaussian blobs in 64 dimensions: class
// means uniform in [−1,1]^64, noise σ per coordinate. Each example has a second view, the
// first with a little extra noise (standing in for its horizontal flip).
func blobs(classes, perClass int, sigma float64, seed uint64) *Data {
	r := newRNG(seed, 77)
	f := synthBase.Features
	means := make([][]float64, classes)
	for c := range means {
		means[c] = make([]float64, f)
		for j := range means[c] {
			means[c][j] = 2*r.float64() - 1
		}
	}
	d := &Data{Base: synthBase}
	for c := range classes {
		d.Classes = append(d.Classes, string(rune('a'+c)))
	}
	for i := range perClass * classes {
		c := i % classes
		v0, v1 := make([]float32, f), make([]float32, f)
		for j := range f {
			v0[j] = float32(means[c][j] + sigma*gauss(r))
			v1[j] = v0[j] + float32(0.1*gauss(r))
		}
		d.Examples = append(d.Examples, Example{Views: [][]float32{v0, v1}, Label: c, Name: "x"})
	}
	return d
}

// gauss is a standard normal draw (Box–Muller).
func gauss(r *rng) float64 {
	return math.Sqrt(-2*math.Log(1-r.float64())) * math.Cos(2*math.Pi*r.float64())
}

func config(t *testing.T, preset string) Config {
	t.Helper()
	cfg, err := DefaultConfig(preset)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func train(t *testing.T, cfg Config, d *Data) *Result {
	t.Helper()
	res, err := Train(context.Background(), cfg, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestTrainConvergesOnSeparableData: blobs 6.5σ apart (mean distance ≈ √(64·2/3) ≈ 6.5 with σ = 1)
// have a Bayes error near Φ(−3.2) ≈ 7e-4, so every head must reach ≥ 0.95 on the 20 %
// validation split and cut the training loss to under a third of its first epoch. The keras
// preset (3.7 M weights, ~1 s an epoch here) runs 3 epochs; it is past 0.95 after the first.
func TestTrainConvergesOnSeparableData(t *testing.T) {
	d := blobs(3, 200, 1, 1)
	for _, c := range []struct {
		preset string
		out    Output
		flip   bool
		epochs int
	}{{"linear", Softmax, false, 15}, {"mlp256", Softmax, true, 15}, {"keras", Softmax, false, 3}} {
		cfg := config(t, c.preset)
		cfg.Output, cfg.Flip, cfg.Epochs = c.out, c.flip, c.epochs
		res := train(t, cfg, d)
		first, last := res.History[0], res.History[len(res.History)-1]
		t.Logf("%s: loss %.4f → %.4f, val_acc %.3f (best epoch %d)", c.preset, first.Loss, last.Loss, res.Validation.Accuracy, res.BestEpoch)
		if res.Validation.Accuracy < 0.95 || last.Loss > first.Loss/3 {
			t.Errorf("%s did not converge: loss %.4f → %.4f, validation accuracy %.3f", c.preset, first.Loss, last.Loss, res.Validation.Accuracy)
		}
		if res.Validation.Examples != 120 || len(res.Train) != 480 {
			t.Errorf("split %d/%d, want 480/120", len(res.Train), res.Validation.Examples)
		}
	}
}

func TestTrainSigmoid(t *testing.T) {
	d := blobs(2, 200, 1, 2)
	cfg := config(t, "linear")
	cfg.Output, cfg.Epochs = Sigmoid, 40
	res := train(t, cfg, d)
	if res.Validation.Accuracy < 0.95 {
		t.Errorf("sigmoid head: validation accuracy %.3f", res.Validation.Accuracy)
	}
	if len(res.Model.Layers[len(res.Model.Layers)-1].Bias) != 1 {
		t.Error("a sigmoid head must end in one unit")
	}
	p, err := res.Model.Probabilities(d.Examples[0].Views[0], 1)
	if err != nil || len(p) != 2 || math.Abs(float64(p[0]+p[1])-1) > 1e-6 {
		t.Errorf("probabilities %v, %v", p, err)
	}
	cfg.Output = Sigmoid
	if _, err := Train(context.Background(), cfg, blobs(3, 10, 1, 2), nil); err == nil {
		t.Error("a sigmoid head accepted three classes")
	}
}

// TestMLPLearnsWhatLinearCannot: the label is the sign of x0·x1 (XOR of two signs; the other
// features are 0), which no linear function of the features predicts better than chance; one
// hidden ReLU layer does.
func TestMLPLearnsWhatLinearCannot(t *testing.T) {
	r := newRNG(5, 5)
	d := &Data{Base: synthBase, Classes: []string{"neg", "pos"}}
	for range 1000 {
		v := make([]float32, 64)
		v[0], v[1] = float32(2*r.float64()-1), float32(2*r.float64()-1)
		label := 0
		if v[0]*v[1] > 0 {
			label = 1
		}
		d.Examples = append(d.Examples, Example{Views: [][]float32{v}, Label: label})
	}
	lin, mlp := config(t, "linear"), config(t, "mlp256")
	lin.Epochs, mlp.Epochs = 30, 30
	mlp.Dropout = 0
	la, ma := train(t, lin, d).Validation.Accuracy, train(t, mlp, d).Validation.Accuracy
	t.Logf("XOR: linear %.3f, mlp256 %.3f", la, ma)
	if la > 0.65 || ma < 0.85 {
		t.Errorf("XOR of signs: linear %.3f (want ≤ 0.65, chance), mlp256 %.3f (want ≥ 0.85)", la, ma)
	}
}

func sameWeights(a, b *Net) bool {
	for i := range a.Layers {
		if !slices.Equal(a.Layers[i].Kernel, b.Layers[i].Kernel) || !slices.Equal(a.Layers[i].Bias, b.Layers[i].Bias) {
			return false
		}
	}
	return len(a.Layers) == len(b.Layers)
}

func TestTrainIsDeterministic(t *testing.T) {
	d := blobs(3, 30, 1.5, 3)
	cfg := config(t, "mlp256")
	cfg.Flip, cfg.Epochs = true, 5
	a, b := train(t, cfg, d), train(t, cfg, d)
	if !sameWeights(&a.Model.Net, &b.Model.Net) || !slices.Equal(a.History, b.History) {
		t.Error("two runs with one seed differ")
	}
	cfg.Seed++
	if c := train(t, cfg, d); sameWeights(&a.Model.Net, &c.Model.Net) {
		t.Error("another seed gave the same weights")
	}
}

// TestEarlyStoppingRestoresBestWeights trains on random labels, where the validation loss can
// only get worse once the head starts memorising. Training must stop early and hand back the
// weights of the best epoch: the same as a run of exactly that many epochs, whose validation
// loss is the lowest of the history.
func TestEarlyStoppingRestoresBestWeights(t *testing.T) {
	d := blobs(2, 60, 1, 4)
	r := newRNG(6, 6)
	for i := range d.Examples {
		d.Examples[i].Label = r.intN(2)
	}
	cfg := config(t, "mlp256")
	cfg.Epochs, cfg.Patience, cfg.LearningRate = 100, 3, 1e-2
	res := train(t, cfg, d)
	if !res.StoppedEarly || len(res.History) != res.BestEpoch+cfg.Patience {
		t.Fatalf("stopped early %v after %d epochs, best epoch %d, patience %d", res.StoppedEarly, len(res.History), res.BestEpoch, cfg.Patience)
	}
	for _, e := range res.History {
		if e.ValLoss < res.History[res.BestEpoch-1].ValLoss {
			t.Fatalf("epoch %d has val loss %.5f, below the best epoch %d's %.5f", e.Epoch, e.ValLoss, res.BestEpoch, res.History[res.BestEpoch-1].ValLoss)
		}
	}
	if got, want := res.Validation.Loss, res.History[res.BestEpoch-1].ValLoss; math.Abs(got-want) > 1e-12 {
		t.Errorf("restored weights score val loss %.8f, the best epoch had %.8f", got, want)
	}
	cfg.Epochs, cfg.Patience = res.BestEpoch, 0
	if short := train(t, cfg, d); !sameWeights(&res.Model.Net, &short.Model.Net) {
		t.Error("the restored weights differ from a run that stops at the best epoch")
	}
	if res.Model.Metrics.BestEpoch != res.BestEpoch || res.Model.Metrics.Epochs != len(res.History) {
		t.Errorf("summary %+v", res.Model.Metrics)
	}
}

func TestTrainCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config(t, "linear")
	cfg.Epochs = 50
	_, err := Train(ctx, cfg, blobs(2, 20, 1, 1), func(e Epoch) {
		if e.Epoch == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestTrainRejectsBadData(t *testing.T) {
	cfg := config(t, "linear")
	good := func() *Data { return blobs(2, 5, 1, 1) }
	for name, mutate := range map[string]func(d *Data){
		"label out of range": func(d *Data) { d.Examples[0].Label = 2 },
		"short features":     func(d *Data) { d.Examples[1].Views[0] = d.Examples[1].Views[0][:10] },
		"NaN feature":        func(d *Data) { d.Examples[2].Views[1][3] = float32(math.NaN()) },
		"empty class":        func(d *Data) { d.Classes = append(d.Classes, "c") },
		"one class":          func(d *Data) { d.Classes = d.Classes[:1] },
		"duplicate class":    func(d *Data) { d.Classes[1] = d.Classes[0] },
		"wrong feature count": func(d *Data) {
			d.Base.Layer = "conv2_block1_out"
		},
	} {
		d := good()
		mutate(d)
		if _, err := Train(context.Background(), cfg, d, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	cfg.LearningRate = -1
	if _, err := Train(context.Background(), cfg, good(), nil); err == nil {
		t.Error("negative learning rate accepted")
	}
}

// TestEvaluateCounts scores a hand-made head: one linear layer whose logits are (−x0, x0), so
// it predicts class 1 exactly when x0 > 0.
func TestEvaluateCounts(t *testing.T) {
	kernel := make([]float32, 64*2)
	kernel[0], kernel[1] = -1, 1
	m := &Model{Net: Net{Output: Softmax, Layers: []Dense{{In: 64, Out: 2, Kernel: kernel, Bias: make([]float32, 2)}}},
		Classes: []string{"neg", "pos"}, Base: synthBase}
	ex := func(x0 float32, label int, name string) Example {
		v := make([]float32, 64)
		v[0] = x0
		return Example{Views: [][]float32{v}, Label: label, Name: name}
	}
	examples := []Example{ex(1, 1, "p1"), ex(2, 1, "p2"), ex(-1, 1, "p3-wrong"), ex(-3, 0, "n1"), ex(0.5, 0, "n2-wrong")}
	met, err := m.Evaluate(examples)
	if err != nil {
		t.Fatal(err)
	}
	if met.Accuracy != 0.6 || !slices.Equal(met.Counts, []int{2, 3}) || !slices.Equal(met.PerClass, []float64{0.5, 2.0 / 3}) {
		t.Errorf("accuracy %v, counts %v, per class %v", met.Accuracy, met.Counts, met.PerClass)
	}
	if !slices.Equal(met.Confusion[0], []int{1, 1}) || !slices.Equal(met.Confusion[1], []int{1, 2}) {
		t.Errorf("confusion %v, want [[1 1] [1 2]]", met.Confusion)
	}
	if len(met.Wrong) != 2 || met.Wrong[0].Name != "p3-wrong" || met.Wrong[0].Predicted != 0 || met.Wrong[1].Name != "n2-wrong" {
		t.Fatalf("wrong list %+v", met.Wrong)
	}
	// p = softmax(1, −1) for x0 = −1: P(neg) = 1/(1+e^−2)
	if w := met.Wrong[0].Probs; math.Abs(float64(w[0])-1/(1+math.Exp(-2))) > 1e-6 {
		t.Errorf("probabilities of the wrong example %v", w)
	}
	// per row: −ln softmax(label) = ln(1 + e^(z_other − z_label)), z_other − z_label = ∓2·x0
	wantLoss := (math.Log1p(math.Exp(-2)) + math.Log1p(math.Exp(-4)) + math.Log1p(math.Exp(2)) +
		math.Log1p(math.Exp(-6)) + math.Log1p(math.Exp(1))) / 5
	if math.Abs(met.Loss-wantLoss) > 1e-6 {
		t.Errorf("loss %.7f, want %.7f", met.Loss, wantLoss)
	}
}
