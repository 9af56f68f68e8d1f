// Command builddist holds the build steps of dist/ that build.sh calls:
//
//	builddist precompress [-quality 11] [-cache DIR] DIST   write .br/.gz beside text and wasm files
//	builddist assets DIST OUT                               make the Workers Static Assets folder
//	builddist fixture [-chunk-bytes N] [-chunks N] DIR      write the test fixture tree (testdist)
//
// The logic lives in server/precompress, server/workersassets and server/internal/testdist.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/graftml/graft/server/internal/testdist"
	"github.com/graftml/graft/server/precompress"
	"github.com/graftml/graft/server/workersassets"
)

const usage = `usage:
  builddist precompress [-quality 11] [-cache DIR] DIST
  builddist assets DIST OUT
  builddist fixture [-chunk-bytes N] [-chunks N] DIR`

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
