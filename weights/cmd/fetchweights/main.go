// Command fetchweights prints the path of the Keras ResNet50 weights file, downloading the
// official one if no local file is found (weights/fetch: $GRAFT_WEIGHTS_H5, then
// ~/.keras/models, then Keras' storage with its MD5 check). build.sh uses it as
//
//	h5=$(go run ./weights/cmd/fetchweights)
//
// Notes go to stderr; only the path goes to stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/graftml/graft/weights/fetch"
)

func main() {
	notop := flag.Bool("notop", false, "the file without the 1000-class top ("+fetch.NoTop.File+")")
	dir := flag.String("dir", "", "download folder (default ~/.keras/models, as Keras uses)")
	timeout := flag.Duration("timeout", 15*time.Minute, "give up on a download after this long")
	flag.Parse()
	file := fetch.Top
	if *notop {
		file = fetch.NoTop
	}
	o := fetch.DefaultOptions(file)
	if *dir != "" {
		o.KerasDir = *dir
	}
	o.Log = os.Stderr
	// Fail fast when offline: a dial or TLS handshake that does not answer in 20 s will not.
	o.Client = &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 20 * time.Second}).DialContext,
		TLSHandshakeTimeout: 20 * time.Second,
	}}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	path, err := fetch.Locate(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fetchweights: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(path)
}
