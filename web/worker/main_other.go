//go:build !(js && wasm)

// Command worker, natively: the browser worker's twin (style #18). It loads a model folder through
// the same engine.Downloader (reading files instead of fetching them) and classifies images
// through the same engine.Session.Classify, with Go's decoder standing in for the browser's:
//
//	go run ./web/worker -model dist/model [-resize crop|nearest] IMG...
//
// It prints one wire.Result per image as JSON, the message the worker posts to the page.
// With -train it does what the page and its workers do with a picked folder (train_other.go):
//
//	go run ./web/worker -model dist/model -train DIR -out FILE [-head P] [-epochs N] [-seed N] [-flip] …
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"time"

	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/web/engine"
	"github.com/graftml/graft/web/wire"
)

func main() {
	model := flag.String("model", "dist/model", "model folder (graft convert --out DIR)")
	resize := flag.String("resize", string(preprocess.DefaultResize), "resize mode: nearest or crop")
	train := flag.String("train", "", "a folder with one sub-folder per class: train a head on it, as the page does")
	out := flag.String("out", "head.grafthead", "with -train: the head file to write")
	s := wire.DefaultSettings()
	flag.StringVar(&s.Head, "head", s.Head, "with -train: head preset")
	flag.IntVar(&s.Epochs, "epochs", s.Epochs, "with -train: epochs")
	flag.Uint64Var(&s.Seed, "seed", s.Seed, "with -train: seed")
	flag.BoolVar(&s.Flip, "flip", s.Flip, "with -train: also train on horizontal flips")
	flag.Float64Var(&s.LearningRate, "lr", s.LearningRate, "with -train: Adam learning rate")
	flag.Float64Var(&s.ValSplit, "val-split", s.ValSplit, "with -train: validation split")
	flag.IntVar(&s.Unfreeze, "unfreeze", 0, "with -train: fine-tune this many top blocks (the dynamic strategy); 0: conservative")
	flag.Float64Var(&s.FineTuneLR, "fine-tune-lr", s.FineTuneLR, "with -train -unfreeze: fine-tuning learning rate")
	flag.IntVar(&s.FineTuneEpochs, "fine-tune-epochs", s.FineTuneEpochs, "with -train -unfreeze: most fine-tuning epochs")
	flag.IntVar(&s.MemoryMB, "memory-mb", s.MemoryMB, "with -train -unfreeze: MiB of block inputs held in memory")
	flag.Parse()
	var err error
	if *train != "" {
		s.Resize = *resize
		if s.Unfreeze > 0 {
			s.Strategy = wire.StrategyDynamic
		} else {
			s.Unfreeze = 1
		}
		err = trainFolder(*model, *train, *out, s)
	} else {
		err = run(*model, *resize, flag.Args())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(dir, resize string, images []string) error {
	mode, err := preprocess.ParseResizeMode(resize)
	if err != nil {
		return err
	}
	d := &engine.Downloader{Net: dirFetcher(dir), MaxAttempts: 1}
	s, err := d.Run(context.Background())
	if err != nil {
		return err
	}
	st := d.Status()
	fmt.Fprintf(os.Stderr, "model %s: %d chunks, %d bytes, %d layers, loaded in %.0f ms\n",
		st.ModelID, st.ChunksTotal, st.BytesTotal, st.LayersTotal, st.LoadMs)
	for i, path := range images {
		t0 := time.Now()
		px, err := decodeFile(path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		res, err := s.Classify(context.Background(), px, mode)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		res.ID, res.Engine, res.DecodeMs = i, "native-go", float64(time.Since(t0).Microseconds())/1000-res.PreprocessMs-res.ModelMs
		line, _ := json.Marshal(res)
		fmt.Println(string(line))
	}
	return nil
}

// decodeFile stands in for the browser: decode (with EXIF orientation) to straight RGBA.
func decodeFile(path string) (engine.Pixels, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return engine.Pixels{}, err
	}
	img, _, err := preprocess.Decode(data)
	if err != nil {
		return engine.Pixels{}, err
	}
	return ToPixels(img), nil
}

// ToPixels draws img into straight-alpha RGBA, as a canvas's getImageData returns it.
func ToPixels(img image.Image) engine.Pixels {
	b := img.Bounds()
	n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(n, n.Rect, img, b.Min, draw.Src)
	return engine.Pixels{RGBA: n.Pix, Width: b.Dx(), Height: b.Dy(), Stride: n.Stride}
}

// dirFetcher reads the model folder's files from disk.
type dirFetcher string

func (d dirFetcher) Fetch(_ context.Context, file string) ([]byte, error) {
	if filepath.Base(file) != file {
		return nil, fmt.Errorf("%q is not a file name", file)
	}
	return os.ReadFile(filepath.Join(string(d), file))
}
