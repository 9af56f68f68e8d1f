//go:build !(js && wasm)

// Command app, natively: the page's twin (style #18). It renders the same component tree with
// Vugu's static renderer to HTML on stdout, for a state given as JSON (a wire.Status), so the
// page can be looked at and tested without a browser:
//
//	go run ./web/app [-status status.json]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/staticrender"
)

func main() {
	statusFile := flag.String("status", "", "a wire.Status as JSON to render (default: the starting page)")
	flag.Parse()
	app := NewApp()
	if *statusFile != "" {
		data, err := os.ReadFile(*statusFile)
		if err == nil {
			err = json.Unmarshal(data, &app.State.Model)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "app:", err)
			os.Exit(1)
		}
	}
	if err := RenderStatic(os.Stdout, app); err != nil {
		fmt.Fprintln(os.Stderr, "app:", err)
		os.Exit(1)
	}
}

// RenderStatic writes the page for app's state as HTML.
func RenderStatic(w io.Writer, app *App) error {
	env, err := vugu.NewBuildEnv()
	if err != nil {
		return err
	}
	r := staticrender.New(w)
	return r.Render(env.RunBuild(&Root{App: app}))
}
