package main

import (
	"strings"
	"testing"

	"github.com/graftml/graft/web/wire"
)

func TestPoolSize(t *testing.T) {
	for _, tc := range []struct {
		cores  int
		mem    float64
		forced int
		want   int
	}{
		{2, 0, 0, 2},   // this machine: two cores
		{16, 0, 0, 4},  // many cores: the memory budget caps it at 1 + 600/160
		{16, 8, 0, 4},  // 8 GB reported: a quarter is more than the budget
		{16, 2, 0, 1},  // 2 GB reported: a quarter of it (512 MB) is the model worker alone
		{16, 3, 0, 3},  // 3 GB: 768 MB, 1 + 368/160 = 3
		{1, 0, 0, 1},   //
		{0, 0, 0, 1},   // unknown
		{16, 0, 4, 4},  // ?workers=4
		{16, 0, 99, 8}, // forced, capped
	} {
		if got := PoolSize(tc.cores, tc.mem, tc.forced); got != tc.want {
			t.Errorf("PoolSize(%d cores, %g GB, forced %d) = %d, want %d", tc.cores, tc.mem, tc.forced, got, tc.want)
		}
	}
}

func TestExtractionSchedule(t *testing.T) {
	m := &wire.Missing{Run: 3, Entries: []int{0, 2, 4, 5, 7}}
	x := NewExtraction(m, 2, 1000)
	var jobs []Job
	for w := range 2 {
		for {
			j, ok := x.Assign(w)
			if !ok {
				break
			}
			jobs = append(jobs, j)
		}
	}
	if len(jobs) != 2*MaxInFlight || jobs[0].Entry != 0 || jobs[1].Entry != 2 || jobs[2].Worker != 1 {
		t.Fatalf("first assignment %+v", jobs)
	}
	// Worker 1 goes away: its jobs go back in the queue and to worker 0.
	x.Requeue(1)
	if _, ok := x.Assign(1); ok {
		t.Error("a lost worker got a job")
	}
	done := func(j Job, e wire.Extracted) {
		e.ID, e.Run = j.ID, 3
		if w, ok := x.Finish(&e, 2000+float64(x.Done)*500); !ok || w != j.Worker {
			t.Fatalf("finish %+v: worker %d, %v", j, w, ok)
		}
	}
	done(jobs[0], wire.Extracted{Hit: true})
	done(jobs[1], wire.Extracted{Computed: 1, ModelMs: 300})
	if _, ok := x.Finish(&wire.Extracted{ID: jobs[1].ID, Run: 3}, 0); ok {
		t.Error("a job finished twice")
	}
	if _, ok := x.Finish(&wire.Extracted{ID: jobs[2].ID, Run: 2}, 0); ok {
		t.Error("an answer of another run was taken")
	}
	var entries []int
	for {
		j, ok := x.Assign(0)
		if !ok {
			if len(x.inFlight) == 0 {
				break
			}
			for id, j := range x.inFlight {
				done(j, wire.Extracted{Computed: 1})
				delete(x.inFlight, id) // already removed by Finish; keeps the loop simple
			}
			continue
		}
		entries = append(entries, j.Entry)
	}
	if !x.Finished() || x.Done != 5 || x.Hits != 1 || x.Computed != 4 {
		t.Errorf("after everything: done %d, hits %d, computed %d, finished %v", x.Done, x.Hits, x.Computed, x.Finished())
	}
	if len(entries) != 3 {
		t.Errorf("worker 0 got entries %v after worker 1 left, want the 3 not done", entries)
	}
	if r := x.Rate(); r <= 0 {
		t.Errorf("rate %g", r)
	}
	if line := ExtractLine(x); !strings.Contains(line, "5 of 5 images (1 from the cache)") || !strings.Contains(line, "images/s") {
		t.Errorf("extract line %q", line)
	}
}

func TestETA(t *testing.T) {
	x := NewExtraction(&wire.Missing{Entries: make([]int, 10)}, 1, 0)
	if _, ok := x.ETA(); ok {
		t.Error("an ETA before any image")
	}
	x.Done, x.NowMs = 4, 8000 // 0.5 images/s
	if eta, ok := x.ETA(); !ok || eta != 12000 {
		t.Errorf("ETA %g ms, want 12000", eta)
	}
	if Duration(12000) != "12 s" || Duration(125000) != "2 min 5 s" {
		t.Errorf("durations %q %q", Duration(12000), Duration(125000))
	}
}

func TestSettingsForm(t *testing.T) {
	f := FormOf(wire.DefaultSettings())
	s, err := f.Settings()
	if err != nil || s != wire.DefaultSettings() {
		t.Errorf("the default form gives %+v, %v; want the defaults back", s, err)
	}
	for field, set := range map[string]func(*SettingsForm){
		"Epochs":           func(f *SettingsForm) { f.Epochs = "0" },
		"whole number":     func(f *SettingsForm) { f.BatchSize = "2.5" },
		"Learning rate":    func(f *SettingsForm) { f.LearningRate = "fast" },
		"Validation split": func(f *SettingsForm) { f.ValSplit = "0.95" },
		"preset":           func(f *SettingsForm) { f.Head = "huge" },
		"softmax":          func(f *SettingsForm) { f.Output = "tanh" },
		"Dropout":          func(f *SettingsForm) { f.Dropout = "1" },
		"feature layer":    func(f *SettingsForm) { f.Layer = "conv5_block3_2_conv" },
	} {
		g := FormOf(wire.DefaultSettings())
		set(&g)
		if _, err := g.Settings(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %v", field, err)
		}
	}
}

// TestSettingsFormLayerDropout: the feature layer and dropout go through the form and back;
// an empty dropout is the preset's (nil).
func TestSettingsFormLayerDropout(t *testing.T) {
	f := FormOf(wire.DefaultSettings())
	f.Layer, f.Dropout = LayerStage5, "0.25"
	s, err := f.Settings()
	if err != nil || s.Layer != LayerStage5 || s.Dropout == nil || *s.Dropout != 0.25 {
		t.Fatalf("layer %q dropout %v (%v), want %s and 0.25", s.Layer, s.Dropout, err, LayerStage5)
	}
	if g := FormOf(s); g.Layer != LayerStage5 || g.Dropout != "0.25" {
		t.Errorf("back in the form: layer %q dropout %q", g.Layer, g.Dropout)
	}
	f.Dropout = " "
	if s, err := f.Settings(); err != nil || s.Dropout != nil {
		t.Errorf("an empty dropout gives %v, %v; want nil (the preset's)", s.Dropout, err)
	}
}

// TestLayerOptions: stage 5 is offered only where the model computes it, said to be synthetic
// where the default layer passed it over; the blocks field follows the chosen layer.
func TestLayerOptions(t *testing.T) {
	texts := func(st wire.Status) string {
		var out []string
		for _, o := range LayerOptions(st) {
			out = append(out, o.Value+"="+o.Text)
		}
		return strings.Join(out, "\n")
	}
	synthetic := texts(wire.Status{HeadLayer: LayerStage4, LastLayer: "predictions", Synthetic: true})
	if !strings.Contains(synthetic, "=Default: conv4_block6_out") || !strings.Contains(synthetic, LayerStage5+"=") || !strings.Contains(synthetic, "synthetic") {
		t.Errorf("synthetic stage 5:\n%s", synthetic)
	}
	if real := texts(wire.Status{HeadLayer: LayerStage5, LastLayer: "predictions"}); !strings.Contains(real, LayerStage5+"=") || strings.Contains(real, "synthetic") {
		t.Errorf("real stage 5:\n%s", real)
	}
	if truncated := texts(wire.Status{HeadLayer: LayerStage4, LastLayer: LayerStage4}); strings.Contains(truncated, LayerStage5) {
		t.Errorf("a model ending at stage 4 offers stage 5:\n%s", truncated)
	}
	st := wire.Status{HeadLayer: LayerStage4, MaxUnfreeze: 6, UnfreezeInputBytes: []int64{1, 2, 3, 4, 5, 6}}
	if got := LayerStatus(st, LayerStage5); got.HeadLayer != LayerStage5 || got.MaxUnfreeze != 3 || got.UnfreezeInputBytes != nil {
		t.Errorf("LayerStatus(stage 5) = %+v", got)
	}
	if got := LayerStatus(st, ""); got.MaxUnfreeze != 6 || len(got.UnfreezeInputBytes) != 6 {
		t.Errorf("LayerStatus(default) = %+v", got)
	}
}

func TestTrainGates(t *testing.T) {
	tr := NewTrain()
	ready := wire.Status{Phase: wire.PhaseReady}
	if tr.CanTrain(ready) || tr.TrainHint(ready) != "Pick a folder first." {
		t.Errorf("no folder: can train %v, hint %q", tr.CanTrain(ready), tr.TrainHint(ready))
	}
	tr.Phase = TrainListing
	tr.ApplyListing(&wire.Listing{ID: 1, Final: true, Classes: []wire.ClassCount{{Name: "a", Images: 3}, {Name: "b", Images: 0}}}, 1)
	if tr.Phase != TrainListed || tr.CanTrain(ready) || !strings.Contains(tr.TrainHint(ready), "two class") {
		t.Errorf("one class with images: phase %s, hint %q", tr.Phase, tr.TrainHint(ready))
	}
	tr.List.Classes[1].Images = 2
	if !tr.CanTrain(ready) || tr.CanTrain(wire.Status{Phase: wire.PhaseDownloading}) {
		t.Error("two classes: Train should wait for the model, then be allowed")
	}
	tr.Phase, tr.Run = TrainPreparing, 4
	tr.ApplyEpoch(&wire.Epoch{Run: 3, Epoch: 1})
	tr.ApplyEpoch(&wire.Epoch{Run: 4, Epoch: 1, Epochs: 5, Loss: 0.5, Accuracy: 0.75})
	if tr.Phase != TrainTraining || len(tr.Epochs) != 1 || !strings.Contains(EpochLine(&tr), "Epoch 1 of 5") {
		t.Errorf("after an epoch: %s %v %q", tr.Phase, tr.Epochs, EpochLine(&tr))
	}
	tr.ApplyFailed(&wire.TrainFailed{Run: 4, Message: "context canceled", Cancelled: true})
	if tr.Phase != TrainCancelled || tr.Busy() {
		t.Errorf("after cancel: %s", tr.Phase)
	}
}

func TestListingWords(t *testing.T) {
	l := wire.Listing{Final: true, Classes: []wire.ClassCount{{Name: "a", Images: 1}, {Name: "b", Images: 1}}, Entries: make([]wire.Entry, 2),
		Skipped: []wire.Skip{{Path: "a/x.txt", Reason: "not an image: text"},
			{Path: "b/c.png", Reason: "duplicate of a/c.png"}, {Path: "b/d.png", Reason: "duplicate of a/d.png"}}}
	if got := ListingLine(l); got != "2 classes, 2 images; 3 files skipped" {
		t.Errorf("listing line %q", got)
	}
	if got := SkippedLine(l.Skipped); got != "3 files skipped: 1 not an image, 2 duplicate" {
		t.Errorf("skipped line %q", got)
	}
	if got := ListingLine(wire.Listing{Done: 3, Total: 9}); got != "Reading the folder: 3 of 9 files…" {
		t.Errorf("progress line %q", got)
	}
}

func TestWrongOf(t *testing.T) {
	r := &wire.Trained{Classes: []string{"cats", "dogs"}}
	w := WrongOf(r, wire.Wrong{Path: "cats/a.png", Label: 0, Predicted: 1, Probs: []float32{0.3, 0.7}}, "blob:x", 0)
	if w.Label != "cats" || w.Predicted != "dogs" || w.Prob != 0.7 || w.LabelProb != 0.3 {
		t.Errorf("%+v", w)
	}
}

func TestDynamicSettingsAndLines(t *testing.T) {
	f := FormOf(wire.DefaultSettings())
	f.Strategy, f.Unfreeze, f.FineTuneLR, f.FineTuneEpochs, f.MemoryMB = "dynamic", "2", "1e-4", "3", "1"
	s, err := f.Settings()
	if err != nil || s.Strategy != wire.StrategyDynamic || s.Unfreeze != 2 || s.FineTuneLR != 1e-4 || s.FineTuneEpochs != 3 || s.MemoryMB != 1 {
		t.Errorf("dynamic form: %+v, %v", s, err)
	}
	for _, bad := range []func(*SettingsForm){
		func(f *SettingsForm) { f.Strategy = "bold" },
		func(f *SettingsForm) { f.Unfreeze = "0" },
		func(f *SettingsForm) { f.FineTuneLR = "-1" },
		func(f *SettingsForm) { f.FineTuneEpochs = "1.5" },
		func(f *SettingsForm) { f.MemoryMB = "-3" },
	} {
		g := f
		bad(&g)
		if _, err := g.Settings(); err == nil {
			t.Errorf("accepted %+v", g)
		}
	}
	const s14 = 14*14*1024 + 4096
	// The bounds come from the model worker's status (engine.HeadBlocks, tested there).
	st := wire.Status{HeadLayer: "conv4_block6_out", MaxUnfreeze: 6, UnfreezeInputBytes: []int64{s14, s14, s14, s14, s14, 28*28*512 + 2048}}
	if UnfreezeLabel(st) != "Blocks to fine-tune (1–6, ending at conv4_block6_out)" || UnfreezeLabel(wire.Status{}) != "Blocks to fine-tune" {
		t.Errorf("label %q", UnfreezeLabel(st))
	}
	if InputBytes(st, 1) != 14*14*1024+4096 || InputBytes(st, 6) != 28*28*512+2048 || InputBytes(st, 7) != 0 || InputBytes(wire.Status{}, 1) != 0 {
		t.Error("input sizes")
	}
	tr := NewTrain()
	tr.Form = f
	tr.List.Entries = make([]wire.Entry, 10) // 10 × 200 KiB = 1.95 MiB against 1 MiB: 5 held
	if got := MemoryEstimate(&tr, st); !strings.Contains(got, "10 images × 1 view(s) × 200 KiB = 2.0 MiB") || !strings.Contains(got, "5 held in memory, 5 reloaded") {
		t.Errorf("estimate %q", got)
	}
	tr.Form.Unfreeze = "7"
	if got := MemoryEstimate(&tr, st); got != "At most 6 blocks end at conv4_block6_out." {
		t.Errorf("7 blocks: estimate %q", got)
	}
	tr.Form.Unfreeze = "2"
	epochs := []wire.Epoch{{Epoch: 1, Epochs: 4, Phase: "head"}, {Epoch: 2, Epochs: 4, Phase: "head"}, {Epoch: 3, Epochs: 4, Phase: PhaseFineTune, PhaseEpoch: 1}}
	if HeadEpochsDrawn(epochs[:2]) != 0 || HeadEpochsDrawn(epochs) != 2 {
		t.Error("phase boundary")
	}
	c := LossChart(epochs, 4, true)
	if len(c.Marks) != 1 || !(c.Marks[0].X > c.X0 && c.Marks[0].X < c.X1) {
		t.Errorf("marks %+v", c.Marks)
	}
	tr.Epochs = epochs
	if got := EpochLine(&tr); !strings.HasPrefix(got, "Fine-tuning epoch 1 (epoch 3 of 4)") {
		t.Errorf("epoch line %q", got)
	}
	r := &wire.Trained{Strategy: "dynamic", Describe: "dynamic: head and 1 fine-tuned block(s)", Conservative: &wire.Phase{ValAccuracy: 0.5, ValLoss: 0.7},
		Validation: &wire.Metrics{Accuracy: 0.75, Loss: 0.5}, BestFineTuneEpoch: 0}
	if !strings.Contains(StrategyLine(r), "conservative head was kept") || !strings.Contains(CompareLine(r), "conservative head 50") || FallbackNote(r, "x") != "" {
		t.Errorf("lines %q %q", StrategyLine(r), CompareLine(r))
	}
	r.BestFineTuneEpoch = 2
	if strings.Contains(StrategyLine(r), "kept") || !strings.Contains(FallbackNote(r, "pets"), "pets (conservative)") {
		t.Errorf("lines %q %q", StrategyLine(r), FallbackNote(r, "pets"))
	}
}

func TestCacheStatsShown(t *testing.T) {
	tr := NewTrain()
	if StoreLine(nil) != "On-disk caches: not read yet." {
		t.Error("before any answer")
	}
	tr.ApplyCacheStats(&wire.CacheStats{Op: wire.CachePrune, Features: wire.CacheCount{Entries: 3, Bytes: 12288}})
	if tr.CacheMessage != "" {
		t.Errorf("a prune that removed nothing says %q", tr.CacheMessage)
	}
	st := &wire.CacheStats{Op: wire.CacheClearInputs, Features: wire.CacheCount{Entries: 3, Bytes: 12288},
		Freed: wire.CacheCount{Entries: 10, Bytes: 10 * 205840}, UsageBytes: 150 << 20, QuotaBytes: 10 << 30}
	tr.ApplyCacheStats(st)
	if tr.CacheMessage != "Removed 10 cached block inputs: 2.0 MiB freed." {
		t.Errorf("message %q", tr.CacheMessage)
	}
	if got := StoreLine(tr.Cache); got != "On-disk caches: features 3 entries (12 KiB); block inputs 0 entries (0 KiB). The browser counts 150 MiB stored by this whole site (model, features, heads) of the 10.0 GiB it allows; its count can lag behind what was just stored." {
		t.Errorf("line %q", got)
	}
	tr.Phase = TrainTraining
	a := &App{State: &State{Train: tr}}
	a.ClearCache(wire.CacheClearInputs) // refused before anything is posted (there is no worker here)
	if !strings.Contains(a.State.Train.CacheMessage, "cancel it first") {
		t.Errorf("clearing during a run: %q", a.State.Train.CacheMessage)
	}
}
