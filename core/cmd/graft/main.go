// Command graft is Graft's native command line: classify photos with Keras' ResNet50 and print
// the pooled features of any layer. It runs the same core/ code as the browser build.
//
//	graft classify [--h5 FILE | --model DIR] [--fill synthetic] [--resize nearest|crop] [--json] [--head FILE] IMG...
//	graft explain [--head FILE] [--class NAME] [--out FILE.png|DIR] [--json] IMG...
//	graft features --layer NAME [--h5 FILE | --model DIR] [--fill synthetic] [--resize nearest|crop] IMG...
//	graft convert --h5 FILE --out DIR [--missing truncate|synthetic] [--check-images DIR]
//	graft convert [--h5 FILE] --out DIR [--missing truncate|synthetic] [--dtype int8|f32] [--check-images DIR]
//	graft train (--model DIR | --h5 FILE [--fill synthetic]) --data DIR --out FILE [--head …] [--flip] …
//	graft eval --head FILE (--model DIR | --h5 FILE) --data DIR
//	graft cache [--cache DIR] [--clear features|inputs|all]
//	graft audit (--model DIR | --h5 FILE [--fill synthetic]) --data DIR [--folds 5] [--json] …
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/graftml/graft/app/settings"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/convert"
	"github.com/graftml/graft/weights/fetch"
	"github.com/graftml/graft/weights/keras"
)

const usage = `usage:
  graft classify [--h5 FILE] [--fill synthetic] [--resize nearest|crop] [--json] [--head FILE [--csv FILE] [--sort-into DIR]] IMG|DIR...
  graft explain [--head FILE] [--class NAME] [--out FILE.png|DIR] [--json] IMG...   why: Grad-CAM of the head's (or ImageNet's) class
  graft features --layer NAME [--h5 FILE] [--fill synthetic] [--resize nearest|crop] IMG...
  graft convert [--h5 FILE] --out DIR [--missing truncate|synthetic] [--dtype int8|f32] [--check-images DIR]
  graft train (--model DIR | --h5 FILE [--fill synthetic]) --data DIR --out FILE [--head linear|mlp256|keras] [--flip] …
  graft eval --head FILE (--model DIR | --h5 FILE) --data DIR   (graft train -h, graft eval -h: all options)
  graft cache [--cache DIR] [--clear features|inputs|all]      what the feature cache holds; clear it
  graft audit (--model DIR | --h5 FILE) --data DIR [--folds 5] [--json]   suspected mislabels, cross-class duplicates

classify --head FILE gives a head's classes (graft train --out, or a head the page exported)
instead of ImageNet's: the head's layer and resize mode, on the model it was trained on; a photo
that is none of them says "not one of: …". With --head, IMG may be a folder (every photo under
it), --csv FILE writes the answers as a table and --sort-into DIR copies each photo into DIR/<class>/
(or DIR/_none of these/), never overwriting a file.
classify and features take --model DIR (a folder graft convert wrote) instead of --h5, and
--precision int8|f32: with --h5, int8 quantizes the weights at load exactly as convert does
(default f32, the float path); with --model, the stored dtype is used and --precision must match it.

--h5 defaults to $GRAFT_WEIGHTS_H5, then ~/.keras/models/resnet50_weights_tf_dim_ordering_tf_kernels.h5,
then (with --download) the official file downloaded there with Keras' MD5 checked, then the partial
file in $GRAFT_SHARED (which needs --fill synthetic past conv4_block6_out).
--fill synthetic completes missing weights with seeded He-normal values (shape and speed work
only: every output then says synthetic: true).
--resize nearest is Keras parity (load_img(target_size=(224,224))); crop (default) resizes the
shorter side with antialiasing and takes the centre 224x224.
--threads N runs the network on N cores (default: all of them, or $GOMAXPROCS).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "explain":
		return explain(args[1:], stdout, stderr)
	case "classify":
		return classify(args[1:], stdout, stderr)
	case "features":
		return features(args[1:], stdout, stderr)
	case "convert":
		return convertCmd(args[1:], stdout, stderr)
	case "train":
		return train(args[1:], stdout, stderr)
	case "eval":
		return eval(args[1:], stdout, stderr)
	case "cache":
		return cacheCmd(args[1:], stdout, stderr)
	case "audit":
		return audit(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "graft: unknown command %q\n%s", args[0], usage)
	return 2
}

// modelFlags are the flags every command that runs the network shares.
type modelFlags struct {
	h5        string
	fill      string
	seed      uint64
	resize    string
	model     string    // converted model folder (convert.go)
	precision string    // "", "int8" or "f32"
	download  bool      // --download: fetch the official weights when no file is found
	threads   int       // --threads: cores the kernels use (runtime.GOMAXPROCS); 0 keeps GOMAXPROCS (all cores)
	log       io.Writer // where the weights lookup speaks (stderr); nil: silent
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.h5, "h5", "", "Keras ResNet50 weights file (.h5); default: found as the build finds it")
	fs.BoolVar(&m.download, "download", false, "with no --h5 and no file found, download the official weights into ~/.keras/models (MD5 checked)")
	fs.StringVar(&m.fill, "fill", "", `"synthetic" fills missing weights with seeded He-normal values`)
	d := settings.DefaultSettings()
	fs.Uint64Var(&m.seed, "seed", d.Seed, "seed of the synthetic fill")
	fs.StringVar(&m.resize, "resize", d.Resize, "resize mode: nearest (Keras parity) or crop")
	fs.StringVar(&m.model, "model", "", "converted model folder (graft convert --out DIR), instead of --h5")
	fs.StringVar(&m.precision, "precision", "", "int8 or f32 (--h5: default f32; --model: the stored dtype)")
	fs.IntVar(&m.threads, "threads", 0, "cores the network runs on (default: all, or $GOMAXPROCS)")
}

// setThreads applies --threads: the kernels split their work over runtime.GOMAXPROCS(0)
// goroutines (core/kernels' gemmRun), so the setting is GOMAXPROCS itself.
func (m *modelFlags) setThreads() error {
	if m.threads < 0 {
		return fmt.Errorf("--threads must be 1 or more (0: all cores), got %d", m.threads)
	}
	if m.threads > 0 {
		runtime.GOMAXPROCS(m.threads)
	}
	return nil
}

// loaded is a model ready to run, with what the outputs must say about it.
type loaded struct {
	model     *resnet50.Model
	resize    preprocess.ResizeMode
	synthetic bool // some weights were synthesised
}

func (m *modelFlags) load() (*loaded, error) {
	if err := m.setThreads(); err != nil {
		return nil, err
	}
	mode, err := preprocess.ParseResizeMode(m.resize)
	if err != nil {
		return nil, err
	}
	if m.fill != "" && m.fill != "synthetic" {
		return nil, fmt.Errorf("--fill must be \"synthetic\", got %q", m.fill)
	}
	if m.precision != "" && m.precision != "int8" && m.precision != "f32" {
		return nil, fmt.Errorf("--precision must be int8 or f32, got %q", m.precision)
	}
	if m.model != "" {
		return m.loadModelDir(mode)
	}
	path, err := weightsPath(m.h5, m.download, m.log)
	if err != nil {
		return nil, err
	}
	f, err := keras.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading weights %s: %w", path, err)
	}
	var src resnet50.WeightSource = weights.KerasSource(f)
	var synth *resnet50.Synthetic
	if m.fill == "synthetic" {
		synth = &resnet50.Synthetic{Inner: src, Seed: m.seed}
		src = synth
	}
	if m.precision == "int8" { // fold and quantize as graft convert does (weights/convert.Folded)
		src = &convert.Folded{Inner: src, Quantize: true}
	}
	model, err := resnet50.New(src, resnet50.Options{})
	if err != nil {
		return nil, err
	}
	return &loaded{model: model, resize: mode, synthetic: synth != nil && len(synth.Filled()) > 0}, nil
}

// weightsPath resolves --h5: the flag, else the lookup the build uses (weights/fetch.Find):
// $GRAFT_WEIGHTS_H5, ~/.keras/models, a download into it only when download is set, then the
// partial file in $GRAFT_SHARED. What it finds (and a download's progress) is said on log.
func weightsPath(flagValue string, download bool, log io.Writer) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	o := fetch.DefaultOptions(fetch.Top)
	o.Download, o.Log = download, log
	if f, ok := log.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			o.TTY = st.Mode()&os.ModeCharDevice != 0
		}
	}
	r, err := fetch.Find(context.Background(), o)
	if err != nil {
		return "", fmt.Errorf("%w\n(or pass --h5 FILE; --download fetches the official file)", err)
	}
	return r.Path, nil
}
