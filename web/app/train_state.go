// train_state.go: the page's state for training a head on a folder of photos and
// what its components show, as plain Go (tested natively in train_state_test.go). The flow is
// wire/train.go's; the extraction schedule is extraction.go's. Changes happen under Vugu's lock.
package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/graftml/graft/app/confidence"
	"github.com/graftml/graft/web/wire"
)

// Training phases.
const (
	TrainNone       = ""           // no folder yet
	TrainListing    = "listing"    // the model worker reads the folder
	TrainListed     = "listed"     // ready to train
	TrainPreparing  = "preparing"  // asking the model worker what is cached
	TrainExtracting = "extracting" // the pool computes features
	TrainTraining   = "training"   // epochs
	TrainDone       = "done"
	TrainFailed     = "failed"
	TrainCancelled  = "cancelled"
)

// SettingsForm is the settings as the form holds them (text, checked on Train).
type SettingsForm struct {
	Head, Output, Epochs, LearningRate, BatchSize, ValSplit, Patience, Seed, Resize string
	Flip                                                                            bool
	Layer, Dropout                                                                  string // "": the default layer, the preset's dropout

	Strategy, Unfreeze, FineTuneLR, FineTuneEpochs, MemoryMB string // the dynamic strategy
}

// FormOf shows settings in the form.
func FormOf(s wire.Settings) SettingsForm {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	form := SettingsForm{Head: s.Head, Output: s.Output, Epochs: strconv.Itoa(s.Epochs), LearningRate: f(s.LearningRate),
		BatchSize: strconv.Itoa(s.BatchSize), ValSplit: f(s.ValSplit), Patience: strconv.Itoa(s.Patience),
		Seed: strconv.FormatUint(s.Seed, 10), Resize: s.Resize, Flip: s.Flip, Layer: s.Layer,
		Strategy: s.Strategy, Unfreeze: strconv.Itoa(s.Unfreeze), FineTuneLR: f(s.FineTuneLR),
		FineTuneEpochs: strconv.Itoa(s.FineTuneEpochs), MemoryMB: strconv.Itoa(s.MemoryMB)}
	if s.Dropout != nil {
		form.Dropout = f(*s.Dropout)
	}
	return form
}

// Dynamic reports whether the form asks for the dynamic strategy.
func (f SettingsForm) Dynamic() bool { return f.Strategy == wire.StrategyDynamic }

// Settings parses the form; the error names the field in words.
func (f SettingsForm) Settings() (wire.Settings, error) {
	s := wire.Settings{Head: f.Head, Layer: f.Layer, Output: f.Output, Resize: f.Resize, Flip: f.Flip, Strategy: f.Strategy}
	var err error
	num := func(name, text string, lo, hi float64) float64 {
		if err != nil {
			return 0
		}
		v, perr := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if perr != nil || math.IsNaN(v) || v < lo || v > hi {
			err = fmt.Errorf("%s: %q is not a number from %g to %g", name, text, lo, hi)
		}
		return v
	}
	integer := func(name, text string, lo, hi int) int {
		v := num(name, text, float64(lo), float64(hi))
		if err == nil && v != math.Trunc(v) {
			err = fmt.Errorf("%s: %q is not a whole number", name, text)
		}
		return int(v)
	}
	s.Epochs = integer("Epochs", f.Epochs, 1, 1000)
	s.LearningRate = num("Learning rate", f.LearningRate, 1e-6, 1)
	s.BatchSize = integer("Batch size", f.BatchSize, 1, 4096)
	s.ValSplit = num("Validation split", f.ValSplit, 0, 0.9)
	s.Patience = integer("Early-stopping patience", f.Patience, 0, 1000)
	s.Seed = uint64(integer("Seed", f.Seed, 0, 1<<31-1))
	s.Unfreeze = integer("Blocks to fine-tune", f.Unfreeze, 1, 16)
	s.FineTuneLR = num("Fine-tuning learning rate", f.FineTuneLR, 1e-9, 1)
	s.FineTuneEpochs = integer("Fine-tuning epochs", f.FineTuneEpochs, 1, 1000)
	s.MemoryMB = integer("Memory for block inputs", f.MemoryMB, 0, 1<<20)
	if strings.TrimSpace(f.Dropout) != "" {
		d := num("Dropout", f.Dropout, 0, MaxDropout)
		s.Dropout = &d
	}
	if err == nil && s.Layer != "" && !slices.Contains(FeatureLayers, s.Layer) {
		err = fmt.Errorf("feature layer %q: choose one of the list", s.Layer)
	}
	if err == nil && s.Strategy != wire.StrategyConservative && s.Strategy != wire.StrategyDynamic {
		err = fmt.Errorf("strategy %q: conservative or dynamic", s.Strategy)
	}
	if err == nil && !validPreset(s.Head) {
		err = fmt.Errorf("head %q: choose one of the presets", s.Head)
	}
	if err == nil && s.Output != "softmax" && s.Output != "sigmoid" {
		err = fmt.Errorf("output %q: softmax or sigmoid", s.Output)
	}
	if err == nil && s.Resize != "crop" && s.Resize != "nearest" {
		err = fmt.Errorf("resize %q: crop or nearest", s.Resize)
	}
	return s, err
}

func validPreset(name string) bool {
	for _, p := range wire.Presets {
		if p.Name == name {
			return true
		}
	}
	return false
}

// WrongImage is one misclassified validation image, shown from the user's own file.
type WrongImage struct {
	Path, URL         string
	Label, Predicted  string
	Prob, LabelProb   float32
	PredictedIndex, I int
}

// Train is the training part of the page.
type Train struct {
	Phase   string
	Folder  string        // the picked folder's name
	List    wire.Listing  // progress while listing, then the listing (Final)
	Form    SettingsForm  //
	Run     int           // the current run
	Missing *wire.Missing // what the run had to extract
	Extract *Extraction   // the extraction in progress or last done
	Epochs  []wire.Epoch  // of the current run
	Result  *wire.Trained // the last finished run
	Wrong   []WrongImage  // its wrong validation images
	Failed  []wire.Skip   // images the pool could not decode (sent with the next train request)
	Message string        // why the run failed or stopped
	Workers int           // pool size for this page

	NotKept       string // why the browser would not keep some of the run's features (resume.go)
	NotKeptPhotos int    // how many photos' features it would not keep

	Heads     wire.Heads // saved heads
	HeadsRead bool       // the model worker answered once
	HeadError string     // the last head operation's error
	SaveName  string     // the name field of the Save form
	Exported  string     // the last exported file's name

	Cache        *wire.CacheStats // what the on-disk caches hold (nil: not heard yet)
	CacheMessage string           // what the last clear freed, or why it was refused

	Check LabelCheck // Check labels (labels_state.go): kept across a re-list
}

// NewTrain is the training state of a fresh page.
func NewTrain() Train {
	return Train{Form: FormOf(wire.DefaultSettings()), Heads: wire.Heads{Active: -1}}
}

// Busy reports whether a run is under way (the Train button waits, Cancel shows).
func (t *Train) Busy() bool {
	return t.Phase == TrainListing || t.Phase == TrainPreparing || t.Phase == TrainExtracting || t.Phase == TrainTraining
}

// CanTrain reports whether Train can start: a listing with two classes with images, the model ready.
func (t *Train) CanTrain(model wire.Status) bool {
	if t.Busy() || !t.List.Final || model.Phase != wire.PhaseReady {
		return false
	}
	n := 0
	for _, c := range t.List.Classes {
		if c.Images > 0 {
			n++
		}
	}
	return n >= 2
}

// TrainHint says why Train cannot start yet ("" when it can).
func (t *Train) TrainHint(model wire.Status) string {
	switch {
	case t.Busy():
		return ""
	case !t.List.Final:
		return "Pick a folder first."
	case model.Phase != wire.PhaseReady:
		return "Waiting for the model to load…"
	case !t.CanTrain(model):
		return "The folder needs at least two class sub-folders with images in them."
	}
	return ""
}

// ListingLine summarises a listing: "2 classes, 40 images; 3 files skipped".
func ListingLine(l wire.Listing) string {
	if !l.Final {
		if l.Total == 0 {
			return "Reading the folder…"
		}
		return fmt.Sprintf("Reading the folder: %d of %d files…", l.Done, l.Total)
	}
	s := plural(len(l.Classes), "class", "classes") + ", " + plural(len(l.Entries), "image", "images")
	if n := len(l.Skipped); n == 1 {
		s += "; 1 file skipped"
	} else if n > 1 {
		s += fmt.Sprintf("; %d files skipped", n)
	}
	return s
}

// ExtractLine is the extraction's progress in words: "12 of 40 images · 3.1 images/s · about 9 s left".
func ExtractLine(x *Extraction) string {
	if x == nil {
		return ""
	}
	s := fmt.Sprintf("%d of %d images", x.Done, x.Total)
	if x.Hits > 0 {
		s += fmt.Sprintf(" (%d from the cache)", x.Hits)
	}
	if rate := x.Rate(); rate > 0 {
		s += fmt.Sprintf(" · %.1f images/s", rate)
	}
	if eta, ok := x.ETA(); ok && x.Done < x.Total {
		s += " · about " + Duration(eta) + " left"
	}
	s += fmt.Sprintf(" · %d worker", x.Workers)
	if x.Workers != 1 {
		s += "s"
	}
	return s
}

// Duration formats milliseconds as "9 s", "2 min 5 s".
func Duration(ms float64) string {
	s := int(math.Round(ms / 1000))
	if s < 60 {
		return fmt.Sprintf("%d s", s)
	}
	return fmt.Sprintf("%d min %d s", s/60, s%60)
}

// EpochLine is the training progress in words.
func EpochLine(t *Train) string {
	if len(t.Epochs) == 0 {
		return "Training…"
	}
	e := t.Epochs[len(t.Epochs)-1]
	s := fmt.Sprintf("Epoch %d of %d · loss %.3f · accuracy %s", e.Epoch, e.Epochs, e.Loss, Percent(float32(e.Accuracy)))
	if e.Phase == PhaseFineTune {
		s = fmt.Sprintf("Fine-tuning epoch %d (epoch %d of %d) · loss %.3f · accuracy %s", e.PhaseEpoch, e.Epoch, e.Epochs, e.Loss, Percent(float32(e.Accuracy)))
	} else if t.Form.Dynamic() {
		s = "Head " + s
	}
	if e.ValLoss != 0 || e.ValAccuracy != 0 {
		s += fmt.Sprintf(" · validation loss %.3f · accuracy %s", e.ValLoss, Percent(float32(e.ValAccuracy)))
	}
	return s
}

// PhaseFineTune is core/finetune's name of the second phase (wire.Epoch.Phase).
const PhaseFineTune = "fine-tune"

// HeadEpochsDrawn is where the chart's phase boundary goes: the head phase's epochs once a
// fine-tuning epoch has arrived (0: no boundary).
func HeadEpochsDrawn(epochs []wire.Epoch) int {
	n := 0
	for _, e := range epochs {
		if e.Phase == PhaseFineTune {
			return n
		}
		n++
	}
	return 0
}

// UnfreezeLabel is the blocks field's label, with the bounds the model worker's status gives
// (the head's layer and how many blocks of its stage end there).
func UnfreezeLabel(st wire.Status) string {
	if st.HeadLayer == "" || st.MaxUnfreeze < 1 {
		return "Blocks to fine-tune"
	}
	return "Blocks to fine-tune (1–" + strconv.Itoa(st.MaxUnfreeze) + ", ending at " + st.HeadLayer + ")"
}

// InputBytes is what one view of the first unfrozen block's input takes, compact, when
// unfreeze blocks are fine-tuned (the status's UnfreezeInputBytes); 0 when unknown.
func InputBytes(st wire.Status, unfreeze int) int64 {
	if unfreeze < 1 || unfreeze > len(st.UnfreezeInputBytes) {
		return 0
	}
	return st.UnfreezeInputBytes[unfreeze-1]
}

// MiB formats bytes in MiB.
func MiB(b int64) string {
	v := float64(b) / (1 << 20)
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + " MiB"
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + " MiB"
}

// MemoryEstimate says what the folder's block inputs need against the budget.
func MemoryEstimate(t *Train, st wire.Status) string {
	f := t.Form
	unfreeze, err1 := strconv.Atoi(strings.TrimSpace(f.Unfreeze))
	budget, err2 := strconv.Atoi(strings.TrimSpace(f.MemoryMB))
	if err1 != nil || err2 != nil || unfreeze < 1 {
		return ""
	}
	per := InputBytes(st, unfreeze)
	if st.MaxUnfreeze > 0 && unfreeze > st.MaxUnfreeze {
		return fmt.Sprintf("At most %d blocks end at %s.", st.MaxUnfreeze, st.HeadLayer)
	}
	if per == 0 {
		return ""
	}
	views := 1
	if f.Flip {
		views = 2
	}
	n := len(t.List.Entries)
	if n == 0 {
		return fmt.Sprintf("Each photo's block input takes %s a view; the memory budget is %d MiB.", KiB(per), budget)
	}
	need := int64(n*views) * per
	s := fmt.Sprintf("This folder's block inputs: %d images × %d view(s) × %s = %s; the budget is %d MiB", n, views, KiB(per), MiB(need), budget)
	held := min(int64(n*views), int64(budget)<<20/per)
	if held >= int64(n*views) {
		return s + ": all held in memory."
	}
	return s + fmt.Sprintf(": %d held in memory, %d reloaded from the on-disk cache at each use.", held, int64(n*views)-held)
}

// ApplyCacheStats takes the model worker's answer about the caches.
func (t *Train) ApplyCacheStats(st *wire.CacheStats) {
	t.Cache = st
	what := map[string]string{wire.CacheClearInputs: "cached block inputs", wire.CacheClearFeature: "cached features",
		wire.CachePrune: "cache entries of other model versions"}[st.Op]
	switch {
	case st.Error != "":
		t.CacheMessage = "The cache could not be read or cleared: " + st.Error
	case what == "":
	case st.Op == wire.CachePrune && st.Freed.Entries == 0: // nothing to say on load
	default:
		t.CacheMessage = fmt.Sprintf("Removed %d %s: %s freed.", st.Freed.Entries, what, Bytes(st.Freed.Bytes))
	}
}

// StoreLine says what the caches hold, and what the browser counts for the whole site.
func StoreLine(st *wire.CacheStats) string {
	if st == nil {
		return "On-disk caches: not read yet."
	}
	s := fmt.Sprintf("On-disk caches: features %d entries (%s); block inputs %d entries (%s).",
		st.Features.Entries, Bytes(st.Features.Bytes), st.Inputs.Entries, Bytes(st.Inputs.Bytes))
	if st.QuotaBytes > 0 {
		s += fmt.Sprintf(" The browser counts %s stored by this whole site (model, features, heads) of the %s it allows; its count can lag behind what was just stored.", Bytes(st.UsageBytes), Bytes(st.QuotaBytes))
	}
	return s
}

// Bytes formats a size in KiB, MiB or GiB.
func Bytes(b int64) string {
	switch {
	case b < 1<<20:
		return KiB(b)
	case b < 1<<30:
		return MiB(b)
	}
	return strconv.FormatFloat(float64(b)/(1<<30), 'f', 1, 64) + " GiB"
}

// KiB formats bytes in KiB.
func KiB(b int64) string { return strconv.FormatInt((b+512)>>10, 10) + " KiB" }

// StrategyLine says which strategy produced the result and how the two phases compare.
func StrategyLine(r *wire.Trained) string {
	if r.Strategy != wire.StrategyDynamic || r.Conservative == nil {
		return "Strategy: " + r.Describe + "."
	}
	s := "Strategy: " + r.Describe + "."
	if r.BestFineTuneEpoch == 0 {
		s += " Fine-tuning did not lower the validation loss below the conservative head's: the conservative head was kept."
	}
	return s
}

// CompareLine is the conservative head against the dynamic model on validation.
func CompareLine(r *wire.Trained) string {
	c := r.Conservative
	if c == nil {
		return ""
	}
	if c.ValAccuracy < 0 || r.Validation == nil {
		return "No validation images: the conservative head and the fine-tuned model were not compared."
	}
	return fmt.Sprintf("Validation accuracy: conservative head %s (loss %.3f) · dynamic %s (loss %.3f)",
		Percent(float32(c.ValAccuracy)), c.ValLoss, Percent(float32(r.Validation.Accuracy)), r.Validation.Loss)
}

// InputsLine says where the block inputs were while training.
func InputsLine(r *wire.Trained) string {
	in := r.Inputs
	if in == nil {
		return ""
	}
	return fmt.Sprintf("Block inputs (%s, %s a view): %d held in memory (%s of the %d MiB budget), %d reloaded from the on-disk cache at each use (%d reads).",
		in.Layer, KiB(in.EntryBytes), in.Held, MiB(in.HeldBytes), in.BudgetMB, in.Reloaded, in.Reloads)
}

// FallbackNote says Save keeps the conservative head too (when the model is fine-tuned).
func FallbackNote(r *wire.Trained, name string) string {
	if r.Conservative == nil || r.BestFineTuneEpoch == 0 {
		return ""
	}
	return "Save also keeps the conservative head, as “" + name + " (conservative)”, as a fallback."
}

// ResultHeadline is the finished run in one line.
func ResultHeadline(r *wire.Trained) string {
	s := fmt.Sprintf("Trained on %d images in %s", r.TrainImages, Seconds(r.TrainMs))
	if r.StoppedEarly {
		s += fmt.Sprintf(", stopped early after epoch %d", len(r.History))
	}
	if r.Validation != nil {
		s += fmt.Sprintf("; weights of epoch %d (validation %s), the best epoch", r.BestEpoch, Percent(float32(r.Validation.Accuracy)))
		if r.BestEpoch != len(r.History) {
			s += ", not the last"
		}
	}
	return s
}

// CachedLine says how many of the run's photos had their features in the cache:
// "12 of 40 photos' features from the cache" (the finished run's; "" before one).
func CachedLine(t *Train) string {
	m := t.Missing
	if m == nil || t.Result == nil || m.Run != t.Result.Run {
		return ""
	}
	hits := m.Cached
	if x := t.Extract; x != nil && x.Run == m.Run {
		hits += x.Hits
	}
	total := m.Cached + len(m.Entries)
	return fmt.Sprintf("%d of %d photos' features from the cache", hits, total)
}

// SkipReason is a skip reason as the page shows it: a detail that repeats the reason's
// negation ("not an image: not a supported image (…)") is said once.
func SkipReason(reason string) string {
	if r, detail, ok := strings.Cut(reason, ": "); ok && strings.HasPrefix(r, "not ") && strings.HasPrefix(detail, "not ") {
		return detail
	}
	return reason
}

// AccuracyLine is the validation accuracy in words.
func AccuracyLine(r *wire.Trained) string {
	if r.Validation == nil {
		return "No validation images (validation split 0): accuracy not measured."
	}
	v := r.Validation
	right := 0
	for c := range v.Confusion {
		right += v.Confusion[c][c]
	}
	return fmt.Sprintf("Validation accuracy %s (%s): %d of %d right (loss %.3f)", Percent(float32(v.Accuracy)), IntervalText(right, v.Examples), right, v.Examples, v.Loss)
}

// IntervalText is the 95% Wilson interval of right of n as whole percents, widened outwards
// ("95% interval 91–100%" for 40 of 40): how uncertain a small validation split's figure is.
func IntervalText(right, n int) string {
	lo, hi := confidence.Wilson(right, n, confidence.Z95)
	return fmt.Sprintf("95%% interval %.0f–%.0f%%", math.Floor(100*lo), math.Ceil(100*hi))
}

// AccuracyText formats a head's accuracy for the saved list.
func AccuracyText(h wire.HeadInfo) string {
	if h.Accuracy < 0 {
		return "not validated"
	}
	right := int(math.Round(h.Accuracy * float64(h.Examples)))
	return fmt.Sprintf("validation accuracy %s (%s) on %d images", Percent(float32(h.Accuracy)), IntervalText(right, h.Examples), h.Examples)
}

// ApplyListing takes the model worker's listing message.
func (t *Train) ApplyListing(l *wire.Listing, listingID int) {
	if l.ID != listingID || t.Phase != TrainListing {
		return
	}
	t.List = *l
	if l.Final {
		t.Phase = TrainListed
		if len(l.Entries) == 0 && l.Total == 0 {
			t.Message = "The folder could not be read."
		}
	}
}

// ApplyEpoch appends an epoch of the current run.
func (t *Train) ApplyEpoch(e *wire.Epoch) {
	if e.Run != t.Run || t.Phase != TrainTraining && t.Phase != TrainPreparing {
		return
	}
	t.Phase = TrainTraining
	t.Epochs = append(t.Epochs, *e)
}

// ApplyFailed ends the current run with a message.
func (t *Train) ApplyFailed(f *wire.TrainFailed) {
	if f.Run != t.Run || !t.Busy() {
		return
	}
	if f.Cancelled {
		t.Phase, t.Message = TrainCancelled, "Training cancelled."
		return
	}
	t.Phase, t.Message = TrainFailed, "Training failed: "+f.Message
}

// MaxWrongShown caps the gallery of wrong validation images (object URLs of the user's files).
const MaxWrongShown = 48

// WrongOf is wrong validation image w of run r, shown from url.
func WrongOf(r *wire.Trained, w wire.Wrong, url string, i int) WrongImage {
	name := func(c int) string {
		if c >= 0 && c < len(r.Classes) {
			return r.Classes[c]
		}
		return "?"
	}
	img := WrongImage{Path: w.Path, URL: url, Label: name(w.Label), Predicted: name(w.Predicted), PredictedIndex: w.Predicted, I: i}
	if w.Predicted < len(w.Probs) {
		img.Prob = w.Probs[w.Predicted]
	}
	if w.Label < len(w.Probs) {
		img.LabelProb = w.Probs[w.Label]
	}
	return img
}

// MaxSkippedShown caps the list of skipped files on the page.
const MaxSkippedShown = 200

// SkippedLine is the summary of the skipped files, by reason.
func SkippedLine(skipped []wire.Skip) string {
	counts := map[string]int{}
	var order []string
	for _, s := range skipped {
		r, _, _ := strings.Cut(s.Reason, ":")
		if strings.HasPrefix(r, "duplicate of") {
			r = "duplicate"
		}
		if counts[r] == 0 {
			order = append(order, r)
		}
		counts[r]++
	}
	var parts []string
	for _, r := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[r], r))
	}
	n := len(skipped)
	noun := "files"
	if n == 1 {
		noun = "file"
	}
	return fmt.Sprintf("%d %s skipped: %s", n, noun, strings.Join(parts, ", "))
}

// SkippedShown is the part of the skipped list the page shows.
func SkippedShown(skipped []wire.Skip) []wire.Skip {
	return skipped[:min(len(skipped), MaxSkippedShown)]
}

// HeadMeta is a saved head's second line: classes, accuracy, size.
func HeadMeta(h wire.HeadInfo) string {
	classes := strings.Join(h.Classes, ", ")
	if len(h.Classes) > 6 {
		classes = strings.Join(h.Classes[:6], ", ") + fmt.Sprintf(" and %d more", len(h.Classes)-6)
	}
	strategy, _, _ := strings.Cut(h.Describe, ":")
	if strategy == "" {
		strategy = wire.StrategyConservative
	}
	return fmt.Sprintf("%s (%s) · %s · %s · %s head · %s · %.0f KB", plural(len(h.Classes), "class", "classes"), classes, AccuracyText(h), h.Layer, h.Preset, strategy, float64(h.Bytes)/1024)
}

// BoolText is "true" or "false", for data attributes (Vugu renders a bool as a bare attribute).
func BoolText(b bool) string { return strconv.FormatBool(b) }
