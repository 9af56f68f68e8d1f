// graft train --unfreeze N: the dynamic strategy natively (core/finetune) — the same
// two phases the browser runs: a head on the frozen trunk, then head and top blocks together.
// One trunk pass per image gives both the pooled features and the unfrozen blocks' input; with
// the cache (--cache) both are kept, the features beside the conservative runs' and the block
// inputs in DIR/blockinputs (201 KiB per view at conv4_block5_out), and the next run reads them.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/blockinput"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/resnet50"
)

func dynamicRun(w io.Writer, mf *modelFlags, cfg finetune.Config, dataDir, layer, cacheDir, out string) error {
	listing, err := dataset.ListDir(dataDir)
	if err != nil {
		return err
	}
	printListing(w, dataDir, listing)
	src, err := openBase(mf, layer)
	if err != nil {
		return err
	}
	ex, err := blockinput.NewExtractor(src.model.model, src.layer, cfg.Unfreeze, src.model.resize)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "base model %s (ends at %s%s); head on %s, fine-tuning %d block(s) from %s: %v\n",
		src.id, src.model.model.LastLayer(), syntheticNote(src.model.synthetic), src.layer, cfg.Unfreeze, ex.Input, blockNames(ex.Blocks))
	if dir := cacheFolder(w, cacheDir); dir != "" {
		ex.Cache = &blockinput.Cache{Base: src.base(), Features: dataset.DirCache{Dir: dir}, Inputs: blockinput.InputDir{Dir: filepath.Join(dir, "blockinputs")}}
		fmt.Fprintf(w, "cache %s (features; block inputs in blockinputs/)\n", dir)
	}
	views := dataset.TrainingViews(cfg.Head.Flip)
	h, wd, c := ex.InputShape()
	store := finetune.NewStore(cfg.MemoryBudget, h, wd, c, nil)
	start := time.Now()
	examples, err := ex.ExtractDir(context.Background(), dataDir, listing, views, store, extractProgress(w, len(listing.Entries)))
	if err != nil {
		return err
	}
	used, kept, spilled := store.Used()
	again := "recomputed"
	if ex.Cache != nil {
		again = "read from the cache"
		fmt.Fprintf(w, "cache: %d images read, %d run through the trunk\n", ex.Cache.Hits, ex.Cache.Computed)
		if ex.Cache.PutErr != nil {
			fmt.Fprintf(w, "warning: not everything could be cached (%v); the next run computes what is missing\n", ex.Cache.PutErr)
		}
	}
	fmt.Fprintf(w, "trunk: %d images × %d views in %.1f s; block inputs [%d,%d,%d] as uint8: %d kept (%.1f MiB of the %d MiB budget), %d %s on use\n",
		len(examples), len(views), time.Since(start).Seconds(), h, wd, c, kept, float64(used)/(1<<20), cfg.MemoryBudget>>20, spilled, again)
	d := &finetune.Data{Head: &head.Data{Base: src.base(), Classes: listing.Names(), Examples: examples}, Inputs: store}
	fmt.Fprintf(w, "head %s: %d → %v → %d (%s); Adam lr %g then fine-tuning lr %g; batch %d; seed %d\n",
		cfg.Head.Head, d.Head.Base.Features, cfg.Head.Hidden, cfg.Head.Output.Units(len(d.Head.Classes)), cfg.Head.Output,
		cfg.Head.LearningRate, cfg.FineTuneLR, cfg.Head.BatchSize, cfg.Head.Seed)
	var last time.Duration
	res, err := app.FineTune(context.Background(), cfg, src.model.model, d, func(e app.Epoch) {
		fmt.Fprintf(w, "%-9s epoch %3d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  (%.1f s)\n",
			e.Phase, e.Epoch.Epoch, e.PhaseEpochs, e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy, (e.Elapsed - last).Seconds())
		last = e.Elapsed
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "trained on %d images (%d validation) in %.1f s; %d block inputs %s\n",
		len(res.Head.Train), len(res.Head.Val), res.Elapsed.Seconds(), store.Recomputes, again)
	if cv := res.Head.Validation; cv != nil {
		fmt.Fprintf(w, "conservative: validation accuracy %.4f, loss %.4f (on the cached inputs: loss %.4f)\n", cv.Accuracy, cv.Loss, res.FineTune.BaselineValLoss)
	}
	if res.ConservativeWins {
		fmt.Fprintf(w, "fine-tuning did not lower the validation loss below the conservative head's: keeping the conservative head\n")
	}
	fmt.Fprintf(w, "result: %s\n", res.Model.Describe())
	if res.Validation != nil {
		printMetrics(w, res.Model.Classes, res.Validation, d.Head.Examples)
	}
	for _, f := range []struct {
		file []byte
		path string
	}{{res.File, out}, {res.HeadFile, out + ".conservative"}} {
		if err := os.WriteFile(f.path, f.file, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s (%d bytes)\n", f.path, len(f.file))
	}
	return nil
}

func blockNames(b []resnet50.BlockInfo) []string {
	var out []string
	for _, x := range b {
		out = append(out, x.Name)
	}
	return out
}
