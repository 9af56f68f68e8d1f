// Command server serves a built Graft app (dist/) over HTTP with server/handler — the same handler
// the Cloudflare Worker (server/worker) runs — with an access log on stderr and a graceful shutdown
// on SIGINT/SIGTERM (in-flight requests get shutdownGrace to finish). The classifier of
// /api/classify (app.Service) is loaded from the folder at start.
//
//	go run ./server -addr 127.0.0.1:8080 -dir dist
//
// The folder is opened with os.OpenRoot: symbolic links inside it work, links out of it are refused.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/server/handler"
)

// shutdownGrace is how long in-flight requests may run after a shutdown signal.
const shutdownGrace = 10 * time.Second

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	dir := flag.String("dir", "dist", "folder to serve (a built dist/)")
	quiet := flag.Bool("quiet", false, "no access log")
	slots := flag.Int("classify-slots", 1, "photos /api/classify decodes and runs at once (each run uses every core)")
	flag.Parse()
	if err := run(*addr, *dir, *quiet, app.ServeConfig{MaxConcurrent: *slots}); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(addr, dir string, quiet bool, serve app.ServeConfig) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("%w (build it first: ./build.sh serve builds dist/ and serves it)", err)
	}
	defer root.Close()

	logger := log.New(os.Stderr, "", log.LstdFlags)
	opts := handler.Options{ErrorLog: logger, Serve: serve}
	// The classifier loads now, so the first photo does not wait; without a model in the tree
	// /api/classify answers 503 (and tries again on each request).
	if svc, err := app.LoadService(root.FS(), serve); err != nil {
		logger.Printf("/api/classify unavailable for now: %v", err)
	} else {
		opts.Service = svc
		what := "no head"
		if h := svc.Head(); h != nil {
			what = fmt.Sprintf("head %q (%s)", h.Title, strings.Join(h.Classes, ", "))
		}
		logger.Printf("/api/classify: model %s, %s", svc.ModelID(), what)
	}
	if !quiet {
		opts.AccessLog = logger
	}
	srv := handler.NewServer(addr, handler.New(root.FS(), opts), logger)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("Graft: serving %s at http://%s/ (Ctrl-C stops)\n", dir, ln.Addr())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second Ctrl-C kills at once
	logger.Printf("shutting down (up to %s for requests in flight)", shutdownGrace)
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
