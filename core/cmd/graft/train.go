// graft train: the native twin of the web app's "train a head" (web/engine/train.go). It lists
// a folder of class sub-folders (app/dataset), extracts pooled features of one ResNet50 layer
// per image and view through the feature cache, trains a head (core/head) and writes the head
// file (app/headfile/FORMAT.md). Same seed and same data give the same head.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/app/settings"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights/format"
)

const trainUsage = `usage: graft train (--model DIR | --h5 FILE [--fill synthetic]) --data DIR --out FILE
                   [--layer NAME] [--head linear|mlp256|keras] [--epochs N] [--batch N]
                   [--lr X] [--beta1 X] [--beta2 X] [--epsilon X] [--dropout X] [--seed N]
                   [--val-split X] [--patience N] [--flip] [--loss softmax|sigmoid]
                   [--resize crop|nearest] [--cache DIR|off]
                   [--unfreeze N [--fine-tune-lr X] [--fine-tune-epochs N] [--memory-mb N]]

--data DIR has one sub-folder per class (Keras' flow_from_directory layout).
--layer defaults to conv5_block3_out, or conv4_block6_out when the model lacks stage 5 or has
synthetic weights. --seed seeds the training (initialisation, split, shuffling, dropout) and,
with --fill synthetic, the fill. Features are cached in --cache (default: the user cache folder,
graft/features), keyed by image content, model id, layer, view and resize mode.

--unfreeze N chooses the dynamic strategy: after the head is trained on the frozen trunk (the
conservative result, kept as the fallback), the head and the last N blocks up to --layer
(conv5_block3, or conv4_block6 on a truncated model, for N = 1) are fine-tuned together with
Adam at --fine-tune-lr, batch norm in inference mode. The inputs of the first unfrozen block
are kept in memory as uint8 codes within --memory-mb; past it they are read again from the
cache (or recomputed with --cache off). The cache keeps each image's features and block inputs
(DIR/blockinputs, 201 KiB a view at conv4_block5_out), so the next run reads them instead of
running the trunk; graft cache shows and clears it. The model file then holds the fine-tuned
layers too (app/headfile/FORMAT.md, version 2).
`

// trainFlags are graft train's own flags (modelFlags aside); their defaults are
// app/settings.DefaultSettings' (settings_test.go holds them to it).
type trainFlags struct {
	data, out, layer, preset, loss, cacheDir *string
	epochs, batch, patience, unfreeze        *int
	tuneEpochs, memoryMB                     *int
	lr, beta1, beta2, eps, dropout, valSplit *float64
	tuneLR                                   *float64
	flip                                     *bool
}

// newTrainFlags is graft train's flag set.
func newTrainFlags(stderr io.Writer) (*flag.FlagSet, *modelFlags, *trainFlags) {
	f := new(trainFlags)
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, trainUsage); fs.PrintDefaults() }
	mf := new(modelFlags)
	mf.register(fs)
	mf.log = stderr
	fs.Lookup("seed").Usage = "seed of training (and of a --fill synthetic)"
	f.data = fs.String("data", "", "folder with one sub-folder of images per class")
	f.out = fs.String("out", "", "head file to write")
	f.layer = fs.String("layer", "", "ResNet50 layer whose pooled output the head reads (default: see above)")
	d := settings.DefaultSettings()
	adam, err := head.DefaultConfig(d.Head)
	if err != nil {
		panic(err) // the default preset is one of head.Presets (app/settings_test.go)
	}
	f.preset = fs.String("head", d.Head, "head preset: "+strings.Join(head.PresetNames(), ", "))
	f.epochs = fs.Int("epochs", d.Epochs, "most epochs to train")
	f.batch = fs.Int("batch", d.BatchSize, "mini-batch size")
	f.lr = fs.Float64("lr", d.LearningRate, "Adam learning rate")
	f.beta1 = fs.Float64("beta1", adam.Beta1, "Adam β1")
	f.beta2 = fs.Float64("beta2", adam.Beta2, "Adam β2")
	f.eps = fs.Float64("epsilon", adam.Epsilon, "Adam ε")
	f.dropout = fs.Float64("dropout", -1, "dropout after each hidden layer (default: the preset's)")
	f.valSplit = fs.Float64("val-split", d.ValSplit, "fraction of each class held out for validation")
	f.patience = fs.Int("patience", d.Patience, "stop after this many epochs without a better validation loss (0: never)")
	f.flip = fs.Bool("flip", d.Flip, "also train on the horizontal flip of every training image")
	f.loss = fs.String("loss", d.Output, "softmax (categorical cross-entropy) or sigmoid (binary cross-entropy, two classes)")
	f.cacheDir = fs.String("cache", "", `feature cache folder, or "off"`)
	f.unfreeze = fs.Int("unfreeze", unfreezeDefault(d), "fine-tune this many top blocks (the dynamic strategy); 0: conservative")
	f.tuneLR = fs.Float64("fine-tune-lr", d.FineTuneLR, "Adam learning rate of the fine-tuning phase (head and blocks)")
	f.tuneEpochs = fs.Int("fine-tune-epochs", d.FineTuneEpochs, "most epochs of the fine-tuning phase")
	f.memoryMB = fs.Int("memory-mb", d.MemoryMB, "MiB of cached block inputs kept in memory (the rest are recomputed)")
	return fs, mf, f
}

func train(args []string, stdout, stderr io.Writer) int {
	fs, mf, f := newTrainFlags(stderr)
	data, out, layer, preset, loss, cacheDir := f.data, f.out, f.layer, f.preset, f.loss, f.cacheDir
	epochs, batch, patience, unfreeze, tuneEpochs, memoryMB := f.epochs, f.batch, f.patience, f.unfreeze, f.tuneEpochs, f.memoryMB
	lr, beta1, beta2, eps, dropout, valSplit, tuneLR, flip := f.lr, f.beta1, f.beta2, f.eps, f.dropout, f.valSplit, f.tuneLR, f.flip
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *data == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	s := settings.Settings{Head: *preset, Output: *loss, Epochs: *epochs, LearningRate: *lr, BatchSize: *batch,
		ValSplit: *valSplit, Patience: *patience, Flip: *flip, Seed: mf.seed, Resize: mf.resize,
		Unfreeze: *unfreeze, FineTuneLR: *tuneLR, FineTuneEpochs: *tuneEpochs, MemoryMB: *memoryMB}
	cfg, err := app.PresetConfig(s)
	if err != nil {
		fmt.Fprintf(stderr, "graft train: %v\n", err)
		return 2
	}
	cfg.Beta1, cfg.Beta2, cfg.Epsilon = *beta1, *beta2, *eps
	if *dropout >= 0 {
		cfg.Dropout = *dropout
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "graft train: %v\n", err)
		return 2
	}
	if *unfreeze > 0 {
		dcfg := app.FineTuneConfigOf(cfg, s)
		if err := dcfg.Validate(); err != nil {
			fmt.Fprintf(stderr, "graft train: %v\n", err)
			return 2
		}
		if err := dynamicRun(stdout, mf, dcfg, *data, *layer, *cacheDir, *out); err != nil {
			fmt.Fprintf(stderr, "graft train: %v\n", err)
			return 1
		}
		return 0
	} else if *unfreeze < 0 {
		fmt.Fprintf(stderr, "graft train: --unfreeze %d: want 0 (conservative) or a number of blocks\n", *unfreeze)
		return 2
	}
	if err := trainRun(stdout, mf, cfg, *data, *layer, *cacheDir, *out); err != nil {
		fmt.Fprintf(stderr, "graft train: %v\n", err)
		return 1
	}
	return 0
}

func trainRun(w io.Writer, mf *modelFlags, cfg head.Config, dataDir, layer, cacheDir, out string) error {
	listing, err := dataset.ListDir(dataDir)
	if err != nil {
		return err
	}
	printListing(w, dataDir, listing)
	src, err := openBase(mf, layer)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "base model %s (ends at %s%s); features: %s, %d channels, resize %s\n",
		src.id, src.model.model.LastLayer(), syntheticNote(src.model.synthetic), src.layer, resnet50.OutputChannels(src.layer), src.model.resize)
	views := dataset.TrainingViews(cfg.Flip)
	ex, err := src.extractor(w, cacheDir)
	if err != nil {
		return err
	}
	examples, err := extractAll(w, dataDir, listing, ex, views)
	if err != nil {
		return err
	}
	d := &head.Data{Base: src.base(), Classes: listing.Names(), Examples: examples}
	weights := 0
	in := d.Base.Features
	for _, u := range append(append([]int(nil), cfg.Hidden...), cfg.Output.Units(len(d.Classes))) {
		weights += in*u + u
		in = u
	}
	fmt.Fprintf(w, "head %s: %d → %v → %d (%s), %d weights; dropout %g; Adam lr %g; batch %d; seed %d\n",
		cfg.Head, d.Base.Features, cfg.Hidden, cfg.Output.Units(len(d.Classes)), cfg.Output, weights, cfg.Dropout, cfg.LearningRate, cfg.BatchSize, cfg.Seed)
	res, err := app.TrainHead(context.Background(), cfg, d, func(e app.Epoch) {
		fmt.Fprintf(w, "epoch %3d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f\n", e.Epoch.Epoch, e.PhaseEpochs, e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "trained on %d images (%d validation) in %.2f s\n", len(res.Head.Train), len(res.Head.Val), res.Elapsed.Seconds())
	if res.Validation != nil {
		if res.StoppedEarly {
			fmt.Fprintf(w, "early stop after epoch %d; ", len(res.History))
		}
		fmt.Fprintf(w, "weights of epoch %d (lowest val_loss %.4f)\n", res.BestEpoch, res.History[res.BestEpoch-1].ValLoss)
		printMetrics(w, res.Model.Classes, res.Validation, d.Examples)
	}
	file := res.File
	if err := os.WriteFile(out, file, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s (%d bytes)\n", out, len(file))
	return nil
}

// unfreezeDefault is --unfreeze's default: 0 (the conservative strategy) unless the default
// strategy is the dynamic one, then its number of blocks.
func unfreezeDefault(d settings.Settings) int {
	if d.Strategy == settings.StrategyDynamic {
		return d.Unfreeze
	}
	return 0
}

func syntheticNote(synthetic bool) string {
	if synthetic {
		return "; some weights synthetic"
	}
	return ""
}

func printListing(w io.Writer, dir string, l *dataset.Listing) {
	fmt.Fprintf(w, "data %s: %d classes, %d images\n", dir, len(l.Classes), len(l.Entries))
	for _, c := range l.Classes {
		fmt.Fprintf(w, "  %-20s %5d\n", c.Name, c.Images)
	}
	printSkipped(w, l)
}

func printSkipped(w io.Writer, l *dataset.Listing) {
	if len(l.Skipped) == 0 {
		return
	}
	var counts []string
	for _, c := range l.SkipCounts() {
		counts = append(counts, fmt.Sprintf("%d %s", c.Files, c.Reason))
	}
	fmt.Fprintf(w, "skipped %d files (%s):\n", len(l.Skipped), strings.Join(counts, ", "))
	for _, s := range l.Skipped {
		fmt.Fprintf(w, "  %s: %s\n", s.Path, s.Reason)
	}
}

func printMetrics(w io.Writer, classes []string, m *head.Metrics, examples []head.Example) {
	fmt.Fprintf(w, "validation: %d images, accuracy %.4f, loss %.4f\n", m.Examples, m.Accuracy, m.Loss)
	for c, name := range classes {
		fmt.Fprintf(w, "  %-20s accuracy %.4f  confusion %v\n", name, m.PerClass[c], m.Confusion[c])
	}
	for _, x := range m.Wrong {
		fmt.Fprintf(w, "  wrong: %s is %s, predicted %s (p %.3f)\n", examples[x.Example].Name, classes[x.Label], classes[x.Predicted], x.Probs[x.Predicted])
	}
}

// baseModel is the loaded network with its id and the layer the head reads.
type baseModel struct {
	model *loaded
	id    string
	layer string
}

// openBase loads the model of mf and settles the layer ("" chooses the default).
func openBase(mf *modelFlags, layer string) (*baseModel, error) {
	l, err := mf.load()
	if err != nil {
		return nil, err
	}
	id, err := modelID(mf)
	if err != nil {
		return nil, err
	}
	if layer == "" {
		layer = app.BaseLayer(l.model.LastLayer(), l.synthetic)
	}
	if resnet50.OutputChannels(layer) <= 0 {
		return nil, fmt.Errorf("layer %q has no pooled features (use a convS_blockN_out layer, conv1_relu or pool1_pool)", layer)
	}
	if err := l.model.CheckLayer(layer); err != nil {
		return nil, err
	}
	return &baseModel{model: l, id: id, layer: layer}, nil
}

func (b *baseModel) base() head.Base {
	return head.Base{ModelID: b.id, Layer: b.layer, Features: resnet50.OutputChannels(b.layer), Resize: string(b.model.resize)}
}

// extractor opens the cache (dir "" = the user cache folder, "off" = none).
func (b *baseModel) extractor(w io.Writer, dir string) (*dataset.Extractor, error) {
	ex := &dataset.Extractor{Model: b.model.model, ModelID: b.id, Layer: b.layer, Resize: b.model.resize}
	if dir = cacheFolder(w, dir); dir != "" {
		ex.Cache = dataset.DirCache{Dir: dir}
		fmt.Fprintf(w, "feature cache %s\n", dir)
	}
	return ex, nil
}

// cacheFolder resolves --cache: "" is the user cache folder's graft/features, "off" (or no user
// cache folder, said on w) gives "".
func cacheFolder(w io.Writer, dir string) string {
	switch dir {
	case "off":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			fmt.Fprintf(w, "no feature cache (%v; pass --cache DIR)\n", err)
			return ""
		}
		return filepath.Join(base, "graft", "features")
	}
	return dir
}

// extractProgress prints an extraction's progress with its rate and an ETA, about every 5 % of
// total images and at the end.
func extractProgress(w io.Writer, total int) func(done, total int) {
	start := time.Now()
	step := max(1, total/20)
	return func(done, total int) {
		if done%step != 0 && done != total {
			return
		}
		el := time.Since(start)
		eta := time.Duration(float64(el) / float64(done) * float64(total-done)).Round(time.Second)
		fmt.Fprintf(w, "extract %5d/%d  %.1f img/s  ETA %s\n", done, total, float64(done)/el.Seconds(), eta)
	}
}

// extractAll runs the extractor over the listing, printing progress with an ETA about every
// 5 % and reporting how many vectors came from the cache.
func extractAll(w io.Writer, dir string, l *dataset.Listing, ex *dataset.Extractor, views []dataset.View) ([]head.Example, error) {
	start := time.Now()
	examples, err := dataset.ExtractDir(dir, l, ex, views, extractProgress(w, len(l.Entries)))
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "features: %d images × %d views in %.1f s (%d computed, %d from the cache)\n",
		len(examples), len(views), time.Since(start).Seconds(), ex.Computed, ex.Hits)
	return examples, nil
}

// modelID names the base model for feature caches and head files: the converted folder's
// manifest model.id, or for an .h5 read directly "keras-h5.<f32|int8>.<16 hex of its SHA-256>",
// with ".synthetic-seed<N>" when --fill synthetic completes it.
func modelID(mf *modelFlags) (string, error) {
	if mf.model != "" {
		raw, err := os.ReadFile(filepath.Join(mf.model, format.ManifestFile))
		if err != nil {
			return "", err
		}
		m, err := format.ParseManifest(raw)
		if err != nil {
			return "", err
		}
		return m.Model.ID, nil
	}
	path, err := weightsPath(mf.h5, mf.download, mf.log)
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	precision := "f32"
	if mf.precision == "int8" {
		precision = "int8"
	}
	id := "keras-h5." + precision + "." + hex.EncodeToString(h.Sum(nil))[:16]
	if mf.fill == "synthetic" {
		id += fmt.Sprintf(".synthetic-seed%d", mf.seed)
	}
	return id, nil
}
