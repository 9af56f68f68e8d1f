// cache.go: graft cache — what the cache folder of graft train and graft eval holds (the feature
// files of app/dataset's DirCache, DIR/<2 hex>/<64 hex>.f32, and the block inputs of
// core/finetune's InputDir, DIR/blockinputs/<2 hex>/<64 hex>.gbi) and, with --clear, removing
// them. Only files named as those caches name theirs are counted or removed, so a --cache that
// points at the wrong folder loses nothing else.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

const cacheUsage = `usage: graft cache [--cache DIR] [--clear features|inputs|all]

Prints how many entries and bytes the cache folder of graft train / graft eval holds (default:
the user cache folder, graft/features), features and block inputs (--unfreeze) apart. --clear
removes one kind or both; nothing else in the folder is touched.
`

// cacheKinds: where each kind's files are below the cache folder, and how they are named.
var cacheKinds = []struct {
	name, flag, sub string
	file            *regexp.Regexp
}{
	{"features", "features", "", regexp.MustCompile(`^[0-9a-f]{64}\.f32$`)},
	{"block inputs", "inputs", "blockinputs", regexp.MustCompile(`^[0-9a-f]{64}\.gbi$`)},
}

var hexDir = regexp.MustCompile(`^[0-9a-f]{2}$`)

func cacheCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("graft cache", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, cacheUsage) }
	dirFlag := fs.String("cache", "", "the cache folder")
	clear := fs.String("clear", "", "features, inputs or all")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || (*clear != "" && *clear != "features" && *clear != "inputs" && *clear != "all") || *dirFlag == "off" {
		fmt.Fprint(stderr, cacheUsage)
		return 2
	}
	dir := cacheFolder(stderr, *dirFlag)
	if dir == "" {
		return 1
	}
	fmt.Fprintf(stdout, "cache %s\n", dir)
	for _, k := range cacheKinds {
		remove := *clear == "all" || *clear == k.flag
		n, bytes, err := walkCache(filepath.Join(dir, k.sub), k.file, remove)
		if err != nil {
			fmt.Fprintf(stderr, "graft cache: %v\n", err)
			return 1
		}
		verb := "holds"
		if remove {
			verb = "removed"
		}
		fmt.Fprintf(stdout, "%-12s %s %d entries, %.1f MiB\n", k.name, verb, n, float64(bytes)/(1<<20))
	}
	return 0
}

// walkCache counts (and, with remove, deletes) the files of one kind in root's two-hex-digit
// folders, then removes those folders when they are left empty. A missing root holds nothing.
func walkCache(root string, file *regexp.Regexp, remove bool) (n int, bytes int64, err error) {
	subs, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	for _, sub := range subs {
		if !sub.IsDir() || !hexDir.MatchString(sub.Name()) {
			continue
		}
		d := filepath.Join(root, sub.Name())
		ents, err := os.ReadDir(d)
		if err != nil {
			return n, bytes, err
		}
		for _, e := range ents {
			if !e.Type().IsRegular() || !file.MatchString(e.Name()) {
				continue
			}
			info, err := e.Info()
			if err != nil {
				return n, bytes, err
			}
			if remove {
				if err := os.Remove(filepath.Join(d, e.Name())); err != nil {
					return n, bytes, err
				}
			}
			n, bytes = n+1, bytes+info.Size()
		}
		if remove {
			os.Remove(d) // only succeeds when empty
		}
	}
	return n, bytes, nil
}
