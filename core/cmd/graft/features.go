// graft features: the global-average-pooled activations of a named layer, one JSON line per image.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
)

// featureLine is one output line. Features are float32 printed with the shortest text that
// reads back to the same float32.
type featureLine struct {
	Path      string    `json:"path"`
	Layer     string    `json:"layer"`
	Resize    string    `json:"resize"`
	Synthetic bool      `json:"synthetic"`
	Features  []float32 `json:"features"`
}

func features(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("features", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var mf modelFlags
	mf.register(fs)
	mf.log = stderr
	layer := fs.String("layer", "", "output layer, e.g. conv4_block6_out (its global average pool is printed)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *layer == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "graft features: need --layer NAME and at least one image")
		return 2
	}
	l, err := mf.load()
	if err != nil {
		fmt.Fprintf(stderr, "graft features: %v\n", err)
		return 1
	}
	if err := l.model.CheckLayer(*layer); err != nil {
		fmt.Fprintf(stderr, "graft features: %v\n", err)
		return 1
	}
	status := 0
	for _, path := range fs.Args() {
		out, err := l.runTo(path, *layer)
		if err != nil {
			fmt.Fprintf(stderr, "graft features: %s: %v\n", path, err)
			status = 1
			continue
		}
		if len(out.Shape) == 4 { // [1,H,W,C] → [1,C]
			out = ops.GlobalAvgPool(out)
		}
		if len(out.Data) != resnet50.OutputChannels(*layer) {
			fmt.Fprintf(stderr, "graft features: %s: %d features, expected %d\n", path, len(out.Data), resnet50.OutputChannels(*layer))
			status = 1
			continue
		}
		line, err := json.Marshal(featureLine{path, *layer, string(l.resize), l.synthetic, out.Data})
		if err != nil {
			fmt.Fprintf(stderr, "graft features: %s: %v\n", path, err)
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "%s\n", line)
	}
	return status
}
