// train_test.go: TrainHead and FineTune give what head.Train and finetune.Train give (the same
// model, byte for byte in its file), number the epochs of both phases in one run, and keep the
// conservative head as the fallback only when the fine-tuned model is the one to use.
package app

import (
	"bytes"
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/keras"
)

// pooledData is n examples of two classes, two views each, of f features (class c shifted by c).
func pooledData(n, f int, layer string) *head.Data {
	r := rand.New(rand.NewPCG(5, 6))
	d := &head.Data{Base: head.Base{ModelID: "test-model", Layer: layer, Features: f, Resize: "crop"}, Classes: []string{"a", "b"}}
	for e := range n {
		ex := head.Example{Label: e % 2, Name: "x"}
		for range 2 {
			v := make([]float32, f)
			for i := range v {
				v[i] = float32(r.NormFloat64()) + float32(e%2)
			}
			ex.Views = append(ex.Views, v)
		}
		d.Examples = append(d.Examples, ex)
	}
	return d
}

func TestTrainHeadIsHeadTrain(t *testing.T) {
	cfg, _ := head.DefaultConfig("mlp256")
	cfg.Hidden, cfg.Epochs, cfg.Patience = []int{8}, 4, 0
	d := pooledData(40, 64, "pool1_pool")
	var seen []Epoch
	got, err := TrainHead(context.Background(), cfg, d, func(e Epoch) { seen = append(seen, e) })
	if err != nil {
		t.Fatal(err)
	}
	want, err := head.Train(context.Background(), cfg, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantFile, _ := headfile.Marshal(want.Model)
	if !bytes.Equal(uncalibrated(t, got.Model), wantFile) || !bytes.Equal(got.HeadFile, got.File) {
		t.Fatal("TrainHead's head is not head.Train's")
	}
	if o := got.Model.OpenSet; o == nil || !strings.HasPrefix(o.HeldOut, "validation") ||
		(got.Model.Calibration != nil) != (len(got.Head.Val) >= head.MinCalibrationExamples) {
		t.Fatalf("TrainHead's head: open set %v, temperature %v for %d validation photos", o != nil, got.Model.Calibration, len(got.Head.Val))
	}
	if m, _ := headfile.Parse(got.File); !reflect.DeepEqual(m, got.Model) {
		t.Fatal("the file does not hold the model returned")
	}
	if fb, _ := got.Fallback(); fb != nil || got.FineTune != nil {
		t.Fatal("a conservative run has a fallback or a fine-tuning result")
	}
	if len(seen) != cfg.Epochs || !reflect.DeepEqual(seen, got.History) || got.BestEpoch != want.BestEpoch {
		t.Fatalf("history %d epochs, best %d; want %d, %d", len(seen), got.BestEpoch, cfg.Epochs, want.BestEpoch)
	}
	for i, e := range seen {
		if e.Run != i+1 || e.Epoch.Epoch != i+1 || e.Phase != finetune.PhaseHead || e.Planned != cfg.Epochs || e.PhaseEpochs != cfg.Epochs ||
			e.Epoch != want.History[i] {
			t.Errorf("epoch %d: %+v", i, e)
		}
	}
}

func TestFineTuneIsFinetuneTrain(t *testing.T) {
	f, err := keras.ReadFile(shared.Path(t, shared.PartialH5))
	if err != nil {
		t.Fatal(err)
	}
	model, err := resnet50.New(weights.KerasSource(f), resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hc, _ := head.DefaultConfig("linear")
	hc.Epochs, hc.BatchSize, hc.ValSplit, hc.Patience = 3, 4, 0.25, 0
	cfg := finetune.Config{Head: hc, Unfreeze: 1, FineTuneLR: 1e-3, FineTuneEpochs: 2, MemoryBudget: 1 << 30}
	data := blockData(t, model, 12)
	var seen []Epoch
	got, err := FineTune(context.Background(), cfg, model, data, func(e Epoch) { seen = append(seen, e) })
	if err != nil {
		t.Fatal(err)
	}
	want, err := finetune.Train(context.Background(), cfg, model, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantFile, _ := headfile.Marshal(want.Model)
	consFile, _ := headfile.Marshal(want.Conservative.Model)
	if !bytes.Equal(uncalibrated(t, mustParse(t, got.File)), wantFile) || !bytes.Equal(uncalibrated(t, mustParse(t, got.HeadFile)), consFile) {
		t.Fatal("FineTune's files are not finetune.Train's model and conservative head")
	}
	fb, fbFile := got.Fallback()
	if got.ConservativeWins != (want.BestFineTuneEpoch == 0) || (fb == nil) != got.ConservativeWins ||
		(fb != nil && !bytes.Equal(uncalibrated(t, mustParse(t, fbFile)), consFile)) {
		t.Fatalf("conservative wins %v, fallback %v, best fine-tuning epoch %d", got.ConservativeWins, fb != nil, want.BestFineTuneEpoch)
	}
	wantBest := want.Conservative.BestEpoch
	if want.BestFineTuneEpoch > 0 {
		wantBest = len(want.Conservative.History) + want.BestFineTuneEpoch
	}
	if got.BestEpoch != wantBest || len(seen) != hc.Epochs+cfg.FineTuneEpochs || !reflect.DeepEqual(seen, got.History) {
		t.Fatalf("best epoch %d (want %d), %d epochs seen", got.BestEpoch, wantBest, len(seen))
	}
	for i, e := range seen {
		phase, phaseEpochs, planned := finetune.PhaseHead, hc.Epochs, hc.Epochs+cfg.FineTuneEpochs
		if i >= hc.Epochs {
			phase, phaseEpochs = finetune.PhaseFineTune, cfg.FineTuneEpochs
		}
		if e.Run != i+1 || e.Phase != phase || e.PhaseEpochs != phaseEpochs || e.Planned != planned || e.Epoch != want.History[i].Epoch {
			t.Errorf("epoch %d: %+v", i, e)
		}
	}
}

// blockData is n examples of two classes whose block inputs [2,2,1024] ≥ 0 are random and whose
// features are the model's own conv4_block6 pooled over them, as extraction computes them.
func blockData(t *testing.T, m *resnet50.Model, n int) *finetune.Data {
	const h, w, c = 2, 2, 1024
	r := rand.New(rand.NewPCG(7, 8))
	infos, err := resnet50.TopBlocks("conv4_block6_out", 1)
	if err != nil {
		t.Fatal(err)
	}
	stack, err := finetune.LoadBlocks(m, infos)
	if err != nil {
		t.Fatal(err)
	}
	store := finetune.NewStore(1<<30, h, w, c, nil)
	d := &head.Data{Base: head.Base{ModelID: "test-model", Layer: "conv4_block6_out", Features: 1024, Resize: "crop"}, Classes: []string{"a", "b"}}
	for e := range n {
		ex := head.Example{Label: e % 2, Name: "x"}
		for v := range 2 {
			x := make([]float32, h*w*c)
			for i := range x {
				x[i] = float32(r.ExpFloat64()) * (1 + float32(e%2))
			}
			if _, err := store.Put(e, v, x); err != nil {
				t.Fatal(err)
			}
			dec := make([]float32, len(x))
			if err := store.Input(context.Background(), e, v, dec); err != nil {
				t.Fatal(err)
			}
			xt, _ := tensor.FromData(dec, 1, h, w, c)
			p, err := stack.Pooled(xt)
			if err != nil {
				t.Fatal(err)
			}
			ex.Views = append(ex.Views, p.Data)
		}
		d.Examples = append(d.Examples, ex)
	}
	return &finetune.Data{Head: d, Inputs: store}
}

// uncalibrated is m's file without its open set and temperature (head.Train's and
// finetune.Train's models have none; core/head tests Calibrate).
func uncalibrated(t *testing.T, m *head.Model) []byte {
	t.Helper()
	c := *m
	c.OpenSet, c.Calibration = nil, nil
	b, err := headfile.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t *testing.T, file []byte) *head.Model {
	t.Helper()
	m, err := headfile.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	if m.OpenSet == nil {
		t.Fatal("a trained model's file has no open set")
	}
	return m
}
