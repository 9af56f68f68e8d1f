// Command builddist holds the build steps of dist/ that build.sh calls:
//
//	builddist precompress [-quality 11] [-cache DIR] DIST   write .br/.gz beside text and wasm files
//	builddist assets DIST OUT                               make the Workers Static Assets folder
//	builddist fixture [-chunk-bytes N] [-chunks N] DIR      write the test fixture tree (testdist)
//	builddist head [-title T] FILE DIST                     bake a head file into DIST (bake.Head)
//	builddist classify-fixture [-missing M] [-head] DIR     a tree /api/classify runs on (classifytree)
//
// The logic lives in server/precompress, server/workersassets, server/internal/testdist,
// server/internal/bake and server/internal/classifytree.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/graftml/graft/server/internal/bake"
	"github.com/graftml/graft/server/internal/classifytree"
	"github.com/graftml/graft/server/internal/testdist"
	"github.com/graftml/graft/server/precompress"
	"github.com/graftml/graft/server/workersassets"
)

const usage = `usage:
  builddist precompress [-quality 11] [-cache DIR] DIST
  builddist assets DIST OUT
  builddist fixture [-chunk-bytes N] [-chunks N] DIR
  builddist head [-title T] FILE DIST
  builddist classify-fixture [-missing synthetic|truncate] [-head] DIR`

func main() {
	if len(os.Args) < 2 {
		fail(usage)
	}
	var err error
	switch os.Args[1] {
	case "precompress":
		err = runPrecompress(os.Args[2:])
	case "assets":
		err = runAssets(os.Args[2:])
	case "fixture":
		err = runFixture(os.Args[2:])
	case "head":
		err = runHead(os.Args[2:])
	case "classify-fixture":
		err = runClassifyFixture(os.Args[2:])
	default:
		fail(usage)
	}
	if err != nil {
		fail("builddist " + os.Args[1] + ": " + err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(2)
}

func runPrecompress(args []string) error {
	fl := flag.NewFlagSet("precompress", flag.ExitOnError)
	quality := fl.Int("quality", precompress.DefaultBrotliQuality, "brotli quality 0..11")
	cache := fl.String("cache", "", "folder caching brotli output by content hash (optional)")
	fl.Parse(args)
	if fl.NArg() != 1 {
		return fmt.Errorf("want one folder\n%s", usage)
	}
	results, err := precompress.Dir(fl.Arg(0), precompress.Options{BrotliQuality: *quality, CacheDir: *cache})
	if err != nil {
		return err
	}
	var size, br, gz int64
	for _, r := range results {
		size += r.Size
		br += pick(r.Brotli, r.Size)
		gz += pick(r.Gzip, r.Size)
	}
	fmt.Printf("precompressed %d files in %s: %d bytes → brotli %d, gzip %d\n", len(results), fl.Arg(0), size, br, gz)
	return nil
}

// pick is the size a client gets: the variant's when one was kept, else the original's.
func pick(variant, size int64) int64 {
	if variant > 0 {
		return variant
	}
	return size
}

func runAssets(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("want DIST OUT\n%s", usage)
	}
	rep, err := workersassets.Prepare(args[0], args[1])
	if err != nil {
		return err
	}
	fmt.Printf("assets: %d files, %d bytes in %s (largest %s, %d bytes; limit %d per file, %d files)\n",
		rep.Files, rep.Bytes, args[1], rep.Largest, rep.MaxBytes, workersassets.MaxFileBytes, workersassets.MaxFiles)
	var notes []string
	for _, s := range rep.Skipped {
		if !strings.HasSuffix(s, "(precompressed variant)") {
			notes = append(notes, s)
		}
	}
	if len(notes) > 0 {
		fmt.Printf("assets: left out %s\n", strings.Join(notes, ", "))
	}
	return nil
}

func runFixture(args []string) error {
	fl := flag.NewFlagSet("fixture", flag.ExitOnError)
	var opts testdist.Options
	fl.IntVar(&opts.ChunkBytes, "chunk-bytes", 0, "bytes per weights chunk (0: the fixture's default)")
	fl.IntVar(&opts.Chunks, "chunks", 0, "number of chunks (0: the fixture's default)")
	fl.Parse(args)
	if fl.NArg() != 1 {
		return fmt.Errorf("want one folder\n%s", usage)
	}
	return testdist.New(opts).Write(fl.Arg(0))
}

func runHead(args []string) error {
	fl := flag.NewFlagSet("head", flag.ExitOnError)
	title := fl.String("title", "", "the head's title on the page (default: the file name without extension)")
	fl.Parse(args)
	if fl.NArg() != 2 {
		return fmt.Errorf("want FILE DIST\n%s", usage)
	}
	file, dist := fl.Arg(0), fl.Arg(1)
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	if st.Size() > 64<<20 {
		return fmt.Errorf("%s is %d bytes: not a head file", file, st.Size())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if *title == "" {
		*title = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	hm, err := bake.Head(dist, data, *title)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	open := "no open set"
	if hm.OpenSet {
		open = fmt.Sprintf("'none of these' above %.3g", *hm.Threshold)
	}
	fmt.Printf("head %q baked in: %s (%d classes: %s; %s; reads %s, %s)\n", hm.Title, hm.File, len(hm.Classes), strings.Join(hm.Classes, ", "), open, hm.Layer, hm.Resize)
	return nil
}

func runClassifyFixture(args []string) error {
	fl := flag.NewFlagSet("classify-fixture", flag.ExitOnError)
	var opts classifytree.Options
	fl.StringVar(&opts.Missing, "missing", "synthetic", "weights the partial file lacks: synthetic or truncate")
	fl.BoolVar(&opts.Head, "head", true, "bake in a test head")
	fl.Parse(args)
	if fl.NArg() != 1 {
		return fmt.Errorf("want one folder\n%s", usage)
	}
	t, err := classifytree.Write(fl.Arg(0), opts)
	if err != nil {
		return err
	}
	fmt.Printf("classify fixture in %s: model %s, head %q\n", fl.Arg(0), t.ModelID, t.HeadFile)
	return nil
}
