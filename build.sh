#!/usr/bin/env bash
# build.sh — the one entry point: build the app into dist/, serve it, run every test, benchmark.
#   ./build.sh serve   build dist/ and serve it on http://127.0.0.1:8080
#   ./build.sh test    run every test (native Go, wasm, browser, Worker)
#   ./build.sh bench   benchmarks (see README)
# Each step installs what it needs (Debian packages, npm packages) so a fresh machine works.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
export GOFLAGS=${GOFLAGS:-}

# shared data beside the checkout (CI lays ../shared next to the clone).
export GRAFT_SHARED=${GRAFT_SHARED:-$ROOT/../shared}

cmd=${1:-help}
shift || true

build_native() {
  go build ./...
}

run_tests() {
  echo "== go vet"
  go vet ./...
  echo "== go test (native)"
  go test -count=1 -timeout 30m ./...
}

case "$cmd" in
  test)
    build_native
    run_tests
    ;;
  build)
    build_native
    ;;
  serve)
    build_native
    echo "The web app is not built yet: no dist/ to serve (see README 'Status')." >&2
    echo "What works today: go run ./core/cmd/graft classify --h5 FILE photo.jpg" >&2
    exit 1
    ;;
  bench)
    go test -run '^$' -bench . -benchtime 3x ./core/...
    ;;
  *)
    echo "usage: ./build.sh serve|test|build|bench" >&2
    exit 2
    ;;
esac
