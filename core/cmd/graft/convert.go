// graft convert: the official Keras ResNet50 weights (.h5) → Graft's chunked model folder
// (weights/FORMAT.md), with the conversion report: per layer the relative L2 error of the int8
// kernel, and end to end on sample images int8 against float32 (weights/convert). Also loading
// such a folder for classify/features (--model DIR).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/convert"
	"github.com/graftml/graft/weights/format"
	"github.com/graftml/graft/weights/keras"
)

const convertUsage = `usage: graft convert [--h5 FILE] --out DIR [--missing truncate|synthetic] [--seed N]
                     [--dtype int8|f32] [--check-images DIR] [--check-max N] [--resize crop|nearest]
`

func convertCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, convertUsage); fs.PrintDefaults() }
	h5 := fs.String("h5", "", "Keras ResNet50 weights file (default $GRAFT_WEIGHTS_H5, then ~/.keras/models/…)")
	out := fs.String("out", "", "model folder to write (manifest.json and chunks)")
	missing := fs.String("missing", convert.MissingTruncate, "weights the file lacks: truncate (end at the last complete stage) or synthetic (seeded fill, labelled)")
	seed := fs.Uint64("seed", 1, "seed of the synthetic fill")
	dtype := fs.String("dtype", "int8", "kernel storage: int8 (per-channel symmetric) or f32")
	checkDir := fs.String("check-images", "", "folder of sample images: compare the converted model with float32 on them")
	checkMax := fs.Int("check-max", 8, "use at most this many images of --check-images (sorted by name)")
	resize := fs.String("resize", string(preprocess.DefaultResize), "resize mode of the check images: crop or nearest")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	dt := map[string]string{"int8": format.DTypeInt8, "f32": format.DTypeFloat32}[*dtype]
	mode, err := preprocess.ParseResizeMode(*resize)
	if dt == "" || err != nil {
		fmt.Fprintf(stderr, "graft convert: --dtype must be int8 or f32 (got %q); --resize: %v\n", *dtype, err)
		return 2
	}
	path, err := weightsPath(*h5, false, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "graft convert: %v\n", err)
		return 1
	}
	if err := convertFile(stdout, path, *out, convert.Options{Missing: *missing, Seed: *seed, DType: dt}, *checkDir, *checkMax, mode); err != nil {
		fmt.Fprintf(stderr, "graft convert: %v\n", err)
		return 1
	}
	return 0
}

// convertFile converts, writes, reads the folder back through the verifying reader, prints the
// report and, with checkDir, the end-to-end comparison.
func convertFile(w io.Writer, h5, out string, opts convert.Options, checkDir string, checkMax int, mode preprocess.ResizeMode) error {
	start := time.Now()
	raw, err := os.ReadFile(h5)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	opts.Source = format.Source{File: filepath.Base(h5), Bytes: int64(len(raw)), SHA256: hex.EncodeToString(sum[:])}
	raw = nil
	f, err := keras.ReadFile(h5)
	if err != nil {
		return fmt.Errorf("reading weights %s: %w", h5, err)
	}
	var src resnet50.WeightSource = weights.KerasSource(f)
	res, err := convert.Convert(src, opts)
	if err != nil {
		return err
	}
	if err := format.WriteDir(out, res.Manifest, res.Chunks); err != nil {
		return err
	}
	loader, err := format.LoadDir(out) // what is on disk, verified
	if err != nil {
		return fmt.Errorf("the model written does not read back: %w", err)
	}
	elapsed := time.Since(start)
	printReport(w, h5, out, res, elapsed)
	if checkDir == "" {
		return nil
	}
	if opts.Missing == convert.MissingSynthetic {
		src = &resnet50.Synthetic{Inner: src, Seed: opts.Seed} // the same fill as the converter's
	}
	return printCheck(w, loader, src, checkDir, checkMax, mode)
}

func printReport(w io.Writer, h5, out string, res *convert.Result, elapsed time.Duration) {
	m := res.Manifest
	fmt.Fprintf(w, "graft convert: %s → %s\n", h5, out)
	fmt.Fprintf(w, "source: %s (%d bytes, sha256 %s)\n", m.Model.Source.File, m.Model.Source.Bytes, m.Model.Source.SHA256)
	if len(res.Missing) > 0 {
		fmt.Fprintf(w, "the source lacks %d weights: %s\n", len(res.Missing), strings.Join(res.Missing, ", "))
	}
	fmt.Fprintf(w, "\n%-22s %-10s %-18s %10s %10s\n", "layer", "state", "kernel", "rel L2", "max |Δ|")
	var errs []float64
	for _, l := range res.Layers {
		if l.State == format.StateTruncated {
			fmt.Fprintf(w, "%-22s %s\n", l.Name, l.State)
			continue
		}
		fmt.Fprintf(w, "%-22s %-10s %-18s %10.5f %10.3g\n", l.Name, l.State, fmt.Sprint(l.Shape), l.RelL2, l.MaxAbs)
		errs = append(errs, l.RelL2)
	}
	fmt.Fprintln(w)
	if m.Model.DType == format.DTypeInt8 && len(errs) > 0 {
		sort.Float64s(errs)
		fmt.Fprintf(w, "int8 kernels, relative L2 error per layer: min %.5f, median %.5f, max %.5f\n", errs[0], errs[len(errs)/2], errs[len(errs)-1])
	}
	var f32Bytes int64
	for _, t := range m.Tensors {
		n := int64(4)
		for _, d := range t.Shape {
			n *= int64(d)
		}
		f32Bytes += n
	}
	synthetic := ""
	if m.Model.Synthetic != nil {
		synthetic = fmt.Sprintf(" (synthetic layers, seed %d: not ImageNet predictions)", m.Model.Synthetic.Seed)
	}
	fmt.Fprintf(w, "model %s: %s, ends at %s%s\n", m.Model.ID, m.Model.DType, m.Model.LastLayer, synthetic)
	fmt.Fprintf(w, "size: %d bytes in %d chunks (float32 tensors: %d bytes)\n", res.Bytes, len(res.Chunks), f32Bytes)
	fmt.Fprintf(w, "converted, written and verified in %.2f s\n", elapsed.Seconds())
}

// printCheck compares the model folder with the float32 model of the source on sample images.
func printCheck(w io.Writer, loader *format.Loader, reference resnet50.WeightSource, dir string, maxImages int, mode preprocess.ResizeMode) error {
	images, names, err := checkImages(dir, maxImages, mode)
	if err != nil {
		return err
	}
	got, err := resnet50.New(loader, resnet50.Options{})
	if err != nil {
		return err
	}
	want, err := resnet50.New(reference, resnet50.Options{})
	if err != nil {
		return err
	}
	start := time.Now()
	c, err := convert.Compare(got, want, images, resnet50.InputSize, resnet50.InputSize)
	if err != nil {
		return err
	}
	dtype := loader.Manifest().Model.DType
	fmt.Fprintf(w, "\ncheck: %d images from %s (resize %s: %s … %s), %s vs float32, %.1f s\n",
		c.Images, dir, mode, names[0], names[len(names)-1], dtype, time.Since(start).Seconds())
	if c.Layer == resnet50.Logits {
		fmt.Fprintf(w, "  logits: max |Δ| %.4g (largest |logit| %.4g); top-1 agreement %d/%d; top-5 same set %d/%d (mean overlap %.3f)\n",
			c.MaxLogitDiff, c.MaxLogit, c.Top1Agree, c.Images, c.Top5Agree, c.Images, c.Top5Overlap)
	} else {
		fmt.Fprintf(w, "  %s pooled features: cosine similarity min %.6f, mean %.6f\n", c.Layer, c.MinCosine, c.MeanCosine)
	}
	return nil
}

// checkImages loads up to max images of dir (sorted by name, by extension), caffe-preprocessed.
func checkImages(dir string, max int, mode preprocess.ResizeMode) ([][]float32, []string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var images [][]float32
	var names []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || !slices.Contains([]string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"}, ext) {
			continue
		}
		if len(images) == max {
			break
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		x, err := preprocess.Load(data, mode, resnet50.InputSize)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		images, names = append(images, x), append(names, e.Name())
	}
	if len(images) == 0 {
		return nil, nil, fmt.Errorf("no images (.jpg .jpeg .png .gif .webp .bmp) in %s", dir)
	}
	return images, names, nil
}

// loadModelDir opens a converted model folder for classify/features. precision "" takes the
// stored dtype; "int8" or "f32" must match it (an int8 folder has no float32 weights to offer).
func (m *modelFlags) loadModelDir(mode preprocess.ResizeMode) (*loaded, error) {
	if m.h5 != "" || m.fill != "" {
		return nil, fmt.Errorf("--model and --h5/--fill exclude each other (a model folder already says how it was made)")
	}
	l, err := format.LoadDir(m.model)
	if err != nil {
		return nil, err
	}
	stored := map[string]string{format.DTypeInt8: "int8", format.DTypeFloat32: "f32"}[l.Manifest().Model.DType]
	if m.precision != "" && m.precision != stored {
		return nil, fmt.Errorf("--precision %s, but %s stores %s kernels; for the other precision convert again with --dtype %s, or use --h5 FILE --precision %s",
			m.precision, m.model, stored, m.precision, m.precision)
	}
	model, err := resnet50.New(l, resnet50.Options{})
	if err != nil {
		return nil, err
	}
	return &loaded{model: model, resize: mode, synthetic: l.Synthetic()}, nil
}
