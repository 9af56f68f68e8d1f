//go:build !(js && wasm)

// The training path of the page and its workers, natively (style #18): the folder's files fed
// one by one to the listing (engine.AddFile, as the model worker does with the picked Files),
// each missing image's features through engine.Session.Extract (Go's decoder standing in for
// the browser's) into an in-memory store, then engine.Trainer and Plan.Train. Same folder and
// settings give the head `graft train` gives (web/engine's TestTrainEqualsGraftTrainPath).
package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/web/engine"
	"github.com/graftml/graft/web/wire"
)

func trainFolder(modelDir, dataDir, out string, s wire.Settings) error {
	d := &engine.Downloader{Net: dirFetcher(modelDir), MaxAttempts: 1}
	session, err := d.Run(context.Background())
	if err != nil {
		return err
	}
	lister := dataset.NewLister()
	files := map[string]string{} // path below the root → file
	err = filepath.WalkDir(dataDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !e.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dataDir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = p
		engine.AddFile(lister, filepath.ToSlash(rel), data)
		return nil
	})
	if err != nil {
		return err
	}
	listing := lister.Listing()
	fmt.Fprintf(os.Stderr, "%d classes, %d images, %d skipped\n", len(listing.Classes), len(listing.Entries), len(listing.Skipped))
	base, err := app.HeadBaseAt(session.Manifest(), s.Resize, s.Layer)
	if err != nil {
		return err
	}
	var tr engine.Trainer
	tr.SetListing(1, listing)
	store := engine.NewMemFeatures()
	req := wire.Train{Run: 1, Listing: 1, Settings: s}
	plan, err := tr.Prepare(context.Background(), store, base, req)
	if err != nil {
		return err
	}
	start := time.Now()
	for _, i := range plan.Missing {
		e := plan.Listing.Entries[i]
		_, err := session.ExtractWith(context.Background(), store, store, base, plan.Input, plan.Views, e.Hash, func() (engine.Pixels, error) { return decodeFile(files[e.Path]) })
		if engine.IsUndecodable(err) {
			req.Failed = append(req.Failed, wire.Skip{Path: e.Path, Reason: err.Error()})
		} else if err != nil {
			return fmt.Errorf("%s: %w", e.Path, err)
		}
	}
	fmt.Fprintf(os.Stderr, "features of %d images in %.1f s\n", len(plan.Missing), time.Since(start).Seconds())
	if plan, err = tr.Prepare(context.Background(), store, base, req); err != nil {
		return err
	}
	model, err := session.WaitModel(context.Background())
	if err != nil {
		return err
	}
	res, err := plan.Train(context.Background(), model, 1, func(e wire.Epoch) {
		fmt.Fprintf(os.Stderr, "%-9s epoch %3d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f\n", e.Phase, e.Epoch, e.Epochs, e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy)
	})
	if err != nil {
		return err
	}
	msg, file := res.Msg, res.File
	fmt.Fprintf(os.Stderr, "result: %s\n", msg.Describe)
	if v := msg.Validation; v != nil {
		fmt.Fprintf(os.Stderr, "validation accuracy %.4f on %d images (weights of epoch %d)\n", v.Accuracy, v.Examples, msg.BestEpoch)
	}
	if err := os.WriteFile(out, file, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes)\n", out, len(file))
	return nil
}
