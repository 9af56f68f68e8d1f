// Command fetchweights finds the Keras ResNet50 weights file the way Keras does, through
// weights/fetch.Find: $GRAFT_WEIGHTS_H5, then ~/.keras/models, then (with -download) Keras'
// storage or $GRAFT_WEIGHTS_URL with the MD5 checked, then, only with no network, the partial
// file in $GRAFT_SHARED. build.sh's resolve_weights runs it as
//
//	go run ./weights/cmd/fetchweights -download
//
// and reads one line from stdout: SOURCE TAB KIND TAB PATH, with SOURCE env, keras-cache,
// downloaded or partial, and KIND official (every weight) or partial (the converter fills the
// rest with labelled synthetic values). Notes and download progress go to stderr; with no file
// it exits 1 naming the three ways to provide one.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/graftml/graft/weights/fetch"
)

func main() {
	notop := flag.Bool("notop", false, "the file without the 1000-class top ("+fetch.NoTop.File+")")
	download := flag.Bool("download", false, "download the file when no local one is found")
	dir := flag.String("dir", "", "download folder (default ~/.keras/models, as Keras uses)")
	wait := flag.Duration("timeout", fetch.DefaultTimeout, "say there is no network when the server is silent this long")
	flag.Parse()
	file := fetch.Top
	if *notop {
		file = fetch.NoTop
	}
	o := fetch.DefaultOptions(file)
	if *dir != "" {
		o.KerasDir = *dir
	}
	o.Download, o.Timeout, o.Log = *download, *wait, os.Stderr
	if st, err := os.Stderr.Stat(); err == nil {
		o.TTY = st.Mode()&os.ModeCharDevice != 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	r, err := fetch.Find(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fetchweights: %v\n", err)
		os.Exit(1)
	}
	kind := "partial"
	if r.Official {
		kind = "official"
	}
	fmt.Printf("%s\t%s\t%s\n", r.Source, kind, r.Path)
}
