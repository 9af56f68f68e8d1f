#!/usr/bin/env bash
# build.sh — the one entry point: build the app into dist/, serve it, run every test, benchmark.
#   ./build.sh serve   build dist/ and serve it on http://127.0.0.1:8080
#   ./build.sh test    run every test (native Go, wasm, browser, Worker)
#   ./build.sh bench   ResNet50, one JSON line per engine (wasm SIMD128, relaxed SIMD, scalar; native AVX2 on 1 thread and all cores)
#   ./build.sh bench-peers   the same ResNet50 in TensorFlow.js (wasm), ONNX Runtime Web, and ONNX Runtime native (1 thread, all cores) (bench/peers)
#   ./build.sh bench-go      the Go micro-benchmarks of core/ (go test -bench)
#   ./build.sh wasm-test     only the js/wasm tests under Node (part of ./build.sh test)
#   ./build.sh dist    build dist/ only
#   ./build.sh worker  build dist/ and the Cloudflare Worker into build/worker (deploy: npx wrangler deploy)
#   dist, serve and worker take --head FILE [--head-title T]: bake a trained head (graft train
#   --out, or the page's export) into dist/ (heads/<hash>.grafthead + head.json): the page and
#   POST /api/classify open with it
#   ./build.sh worker-test   only the Worker's checks under wrangler dev (part of ./build.sh test)
#   ./build.sh web-e2e       only the browser end-to-end test (part of ./build.sh test)
#   ./build.sh long-tests    every fuzz target for FUZZ_TIME (60s) each, the full cats-vs-dogs training/eval run and the official weights on
#                            ImageNet samples (not part of ./build.sh test)
#   ./build.sh weights       only find the weights file (or download it) and print where it came from
# The weights file (serve, dist, worker, weights): $GRAFT_WEIGHTS_H5, else
# ~/.keras/models/resnet50_weights_tf_dim_ordering_tf_kernels.h5, else downloaded there from Keras'
# storage or $GRAFT_WEIGHTS_URL (a mirror), else, with no network, the partial file in
# $GRAFT_SHARED with a labelled synthetic fill. The official file name keeps Keras' MD5 whatever
# the URL, unless $GRAFT_WEIGHTS_MD5 is set (for tests and mirrors of another file).
# Each step installs what it needs (Debian packages, npm packages) so a fresh machine works.
set -euo pipefail
CALLER_PWD=$(pwd)
cd "$(dirname "$0")"
ROOT=$(pwd)
export GOFLAGS=${GOFLAGS:-}

# shared data beside the checkout (CI lays ../shared next to the clone).
export GRAFT_SHARED=${GRAFT_SHARED:-$ROOT/../shared}

cmd=${1:-help}
shift || true

# --head FILE [--head-title T] (dist, serve, worker): the head to bake into dist/.
HEAD_FILE="" HEAD_TITLE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --head) HEAD_FILE=${2:?--head needs a file}; shift 2 ;;
    --head-title) HEAD_TITLE=${2:?--head-title needs a title}; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -n "$HEAD_FILE" ]; then
  case "$HEAD_FILE" in /*) ;; *) HEAD_FILE="$CALLER_PWD/$HEAD_FILE" ;; esac
  [ -f "$HEAD_FILE" ] || { echo "--head $HEAD_FILE: no such file" >&2; exit 2; }
fi

build_native() {
  go build ./...
}

# ---- dist/, the native server and the Cloudflare Worker (server/; see README "Deploy") ----

# build_dist: the app into dist/. Steps that add files to dist/ go before dist_finish, which
# writes build.json (/api/version reads it) and the .br/.gz variants of text and wasm files.
build_dist() {
  rm -rf dist
  mkdir -p dist
  cp -R web/static/. dist/
  build_web dist
  bake_head dist
  dist_finish
}

# bake_head DIST: with --head, the head file into DIST/heads/<sha256[:16]>.grafthead and
# DIST/head.json naming it (server/internal/bake; refused unless trained on DIST's model).
bake_head() {
  [ -n "$HEAD_FILE" ] || return 0
  go run ./server/cmd/builddist head ${HEAD_TITLE:+-title "$HEAD_TITLE"} "$HEAD_FILE" "$1"
}

# ---- the web app (web/; README "The web app") ----

# build_web OUT: the page (app.wasm: Vugu components, web/app), the model worker (web/worker as
# engine.wasm, calling the SIMD kernels, and engine-scalar.wasm, -tags purego, for browsers
# without SIMD), the kernel modules and wasm/js/loader.mjs that links them, Go's wasm_exec.js,
# and the model converted into OUT/model. The Vugu output (web/app/*_vgen.go) and
# web/static/vugu-render.js are committed: go run ./web/cmd/webgen regenerates them, and its
# test fails while they are stale.
build_web() {
  local out=$1
  GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o "$out/app.wasm" ./web/app
  # nodecoders: the browser decodes the photos, so Go's image decoders stay out (core/preprocess)
  GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -tags nodecoders -o "$out/engine.wasm" ./web/worker
  GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -tags purego,nodecoders -o "$out/engine-scalar.wasm" ./web/worker
  cp wasm/js/loader.mjs wasm/kernels/kernels.wasm wasm/kernels/kernels-relaxed.wasm "$out/"
  cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$out/"
  build_model "$out/model"
}

# resolve_weights: sets WEIGHTS_SOURCE (env, keras-cache, downloaded or partial), WEIGHTS_KIND
# (official: every weight; partial: the converter fills the rest) and WEIGHTS_H5, found the way
# Keras does (weights/fetch.Find): $GRAFT_WEIGHTS_H5; ~/.keras/models/<official file>; a download
# into ~/.keras/models ($GRAFT_WEIGHTS_URL, MD5 checked, progress, resumed, 20 s without an
# answer = no network); only with no network, the partial file in $GRAFT_SHARED. With none of
# these it stops, naming the three ways to provide the file.
resolve_weights() {
  local line
  line=$(go run ./weights/cmd/fetchweights -download) || return 1
  IFS=$'\t' read -r WEIGHTS_SOURCE WEIGHTS_KIND WEIGHTS_H5 <<<"$line"
}

# build_model DIR: the int8 model the page streams, from resolve_weights' file. Only a file that
# is not the official one (the partial file) gets the seeded synthetic fill for the weights it
# lacks, which the manifest records and the page states. The report goes to
# build/convert-report.txt.
build_model() {
  resolve_weights || { echo "build_model: no weights file (see above)" >&2; return 1; }
  local missing=truncate
  [ "$WEIGHTS_KIND" = official ] || missing=synthetic
  echo "weights: $WEIGHTS_H5 ($WEIGHTS_SOURCE, $WEIGHTS_KIND; --missing $missing)"
  mkdir -p build
  go run ./core/cmd/graft convert --h5 "$WEIGHTS_H5" --out "$1" --missing "$missing" > build/convert-report.txt || {
    cat build/convert-report.txt >&2
    echo "build_model: converting $WEIGHTS_H5 failed (set GRAFT_WEIGHTS_H5 to a Keras ResNet50 .h5)" >&2
    return 1
  }
  tail -n 3 build/convert-report.txt
}

# web_e2e: the page in headless Chromium against the real server (web/e2e). Installs Debian's
# chromium when it is missing.
web_e2e() {
  echo "== web: browser end-to-end (headless Chromium)"
  if ! command -v chromium >/dev/null; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update && $sudo apt-get install -y chromium
  fi
  build_dist
  GRAFT_E2E_DIST="$ROOT/dist" go test -count=1 -timeout 10m -v ./web/e2e | grep -v '^=== '
}

dist_finish() {
  printf '{"build": "%s"}\n' "$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)" > dist/build.json
  go run ./server/cmd/builddist precompress -cache build/precompress-cache dist
}

# serve: build dist/ and serve it (GRAFT_ADDR overrides 127.0.0.1:8080).
serve() {
  build_dist
  mkdir -p build
  go build -o build/graft-server ./server
  exec build/graft-server -addr "${GRAFT_ADDR:-127.0.0.1:8080}" -dir dist
}

# build_worker DIST OUT: the Go Worker into OUT (worker.mjs, runtime.mjs, wasm_exec.js, app.wasm),
# DIST's files as Workers Static Assets into OUT/assets (with _headers), and OUT/wrangler.jsonc
# (the repo's, with paths relative to OUT); prints the size Cloudflare counts. Needs npm_tools.
build_worker() {
  local dist=$1 out=$2
  go run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o "$out"   # empties $out first
  # One Go instance per isolate instead of one per request (server/worker/worker.mjs, serve_js.go).
  # It links the SIMD128 kernel module as the page's engine does (wasm/kernels/kernels.wasm).
  cp server/worker/worker.mjs wasm/kernels/kernels.wasm "$out/"
  GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o "$out/app.wasm" ./server/worker
  go run ./server/cmd/builddist assets "$dist" "$out/assets"
  sed 's#build/worker/##' wrangler.jsonc > "$out/wrangler.jsonc"
  # wrangler's own bundle and size report, offline (--dry-run uploads nothing).
  local sizes
  sizes=$(cd "$out" && wrangler_env wrangler deploy --dry-run --outdir bundle 2>&1 | grep 'Total Upload') || {
    echo "wrangler deploy --dry-run failed in $out" >&2
    return 1
  }
  echo "Worker size (wrangler): ${sizes#*: }; Cloudflare's limit, compressed: 3 MB free plan, 10 MB paid"
  if [ "$(echo "$sizes" | sed 's/.*gzip: \([0-9]*\).*/\1/')" -gt 3000 ]; then
    echo "warning: the Worker is over the free plan's 3 MB compressed" >&2
  fi
}

# wrangler_env CMD...: run CMD with Node 22 and wrangler from node_modules first on PATH, and
# wrangler's telemetry, update checks and banners off (works offline).
WRANGLER_ENV=(PATH="$ROOT/node_modules/.bin:$PATH" CI=true WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false
  WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false DO_NOT_TRACK=1)
wrangler_env() {
  env "${WRANGLER_ENV[@]}" "$@"
}

# worker: build dist/ and the Worker that wrangler.jsonc deploys (npx wrangler deploy).
worker() {
  npm_tools
  build_dist
  build_worker dist build/worker
  echo "Deploy: npx wrangler login && npx wrangler deploy   (local run: npx wrangler dev)"
}

# npm_tools: wrangler and Node 22 from package-lock.json into node_modules (npm ci when the lock
# changed since the last install).
npm_tools() {
  local want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -x node_modules/.bin/wrangler ] || [ "$(cat node_modules/.graft-lock-sha256 2>/dev/null)" != "$want" ]; then
    echo "== npm ci (wrangler, Node 22)"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > node_modules/.graft-lock-sha256
  fi
}

# free_port FROM: the first port from FROM up that nothing on 127.0.0.1 listens on.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# worker_test: the Worker built from the test fixture, run by wrangler dev on loopback with no
# network, must pass the same checks as the native server (server/handler/worker_test.go). Then
# a second Worker over the classify fixture (the real partial weights with the labelled synthetic
# fill, int8, and a baked-in head: builddist classify-fixture) must answer POST /api/classify as
# graft classify does (TestWorkerClassify), and worker_measure prints its memory and CPU time.
worker_test() {
  echo "== Worker under wrangler dev (local)"
  npm_tools
  local out=build/worker-test fixture=build/worker-test-dist rc=0
  rm -rf "$fixture"
  go run ./server/cmd/builddist fixture "$fixture"
  build_worker "$fixture" "$out"
  start_worker "$out" || return 1
  GRAFT_WORKER_URL="http://127.0.0.1:$WORKER_PORT" go test -count=1 -run '^TestWorker(SiteChecks|Specifics)$' -v ./server/handler \
    | grep -v '^=== ' || rc=$?
  stop_group "$WORKER_PGID"
  trap - EXIT
  [ "$rc" = 0 ] || return "$rc"

  echo "== Worker: POST /api/classify under wrangler dev (local)"
  out=build/worker-classify fixture=build/worker-classify-dist
  rm -rf "$fixture"
  go run ./server/cmd/builddist classify-fixture "$fixture"
  build_worker "$fixture" "$out"
  start_worker "$out" || return 1
  worker_measure "http://127.0.0.1:$WORKER_PORT" "$WORKER_PGID" || rc=$?
  GRAFT_WORKER_CLASSIFY_URL="http://127.0.0.1:$WORKER_PORT" GRAFT_WORKER_CLASSIFY_DIR="$ROOT/$fixture" \
    go test -count=1 -timeout 30m -run '^TestWorkerClassify$' -v ./server/handler | grep -v '^=== ' || rc=$?
  echo "after the checks (11 MB uploads, every format, the error cases):"
  worker_measure "http://127.0.0.1:$WORKER_PORT" "$WORKER_PGID" -memory-only || rc=$?
  stop_group "$WORKER_PGID"
  trap - EXIT
  return "$rc"
}

# start_worker OUT: wrangler dev --local on free loopback ports in OUT, in its own process
# group (WORKER_PGID; WORKER_PORT), waiting for "Ready on".
start_worker() {
  local out=$1 inspector
  WORKER_PORT=$(free_port 8787)
  inspector=$(free_port 9230)
  (
    cd "$out"
    exec setsid env "${WRANGLER_ENV[@]}" wrangler dev --local --ip 127.0.0.1 --port "$WORKER_PORT" --inspector-port "$inspector" \
      --show-interactive-dev-session=false </dev/null >wrangler.log 2>&1
  ) &
  WORKER_PGID=$!
  trap 'stop_group $WORKER_PGID' EXIT
  local i
  for i in $(seq 1 120); do
    grep -qs "Ready on" "$out/wrangler.log" && break
    kill -0 "$WORKER_PGID" 2>/dev/null || break
    sleep 0.5
  done
  if ! grep -qs "Ready on" "$out/wrangler.log"; then
    cat "$out/wrangler.log" >&2
    echo "wrangler dev did not start" >&2
    return 1
  fi
}

# worker_measure URL PGID [FLAGS]: a photo run against the classify Worker (server/cmd/workermeasure):
# CPU time per request (a warm request's wall time: workerd runs it on one thread with no I/O)
# and memory (Go's Sys in the isolate, the wasm memory's high-water mark, and workerd's RSS,
# read from /proc for the workerd processes of wrangler's process group).
worker_measure() {
  local pids
  pids=$(ps -eo pid=,pgid=,comm= | awk -v g="$2" '$2 == g && $3 ~ /workerd/ {print $1}' | tr '\n' ',' | sed 's/,$//')
  go run ./server/cmd/workermeasure -url "$1" -pids "$pids" -photo "$GRAFT_SHARED/data/imagenet-samples/images/n01440764_tench.JPEG" "${@:3}"
}

# stop_group PGID: SIGTERM the process group, wait up to 10 s for it to go, then SIGKILL it.
stop_group() {
  kill -- -"$1" 2>/dev/null || return 0
  local i
  for i in $(seq 1 100); do
    kill -0 -- -"$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- -"$1" 2>/dev/null || true
}

# ---- wasm: the GOOS=js GOARCH=wasm build under Node 20 (wasm/cmd/wasmexec, wasm/js/loader.mjs) ----

WASM_EXEC="$ROOT/wasm/cmd/wasmexec/go_js_wasm_exec"

# need_node: Node 20 or later on PATH (the wasm tests and benchmarks run in it).
need_node() {
  local v
  v=$(node --version 2>/dev/null) || { echo "node not found: the wasm tests and benchmarks need Node 20" >&2; return 1; }
  v=${v#v}
  if [ "${v%%.*}" -lt 20 ]; then
    echo "node $v is too old: the wasm tests and benchmarks need Node 20" >&2
    return 1
  fi
}

# wasm_tests: core/kernels and core/ops built for js/wasm and run under Node through the loader
# (go test -exec wasm/cmd/wasmexec/go_js_wasm_exec) three ways: with the SIMD128 kernel module,
# with the relaxed-SIMD one, and with -tags purego (Go's scalar path); with them core/resnet50's
# int8 tests (the int8-resident model equals the dequantized float32 one). The ResNet50 parity check
# (wasm/cmd/featurecheck) and the loader's own tests (wasm/js) run in the native go test.
wasm_tests() {
  need_node
  local pkgs=(./core/kernels ./core/ops) model=(-run Int8 ./core/resnet50)
  echo "== go vet (js/wasm)"
  GOOS=js GOARCH=wasm go vet "${pkgs[@]}" ./wasm/cmd/...
  GOOS=js GOARCH=wasm go vet -tags purego "${pkgs[@]}"
  echo "== go test (js/wasm under Node: SIMD128)"
  GOOS=js GOARCH=wasm go test -count=1 -exec "$WASM_EXEC" "${pkgs[@]}"
  GOOS=js GOARCH=wasm go test -count=1 -exec "$WASM_EXEC" "${model[@]}"
  echo "== go test (js/wasm under Node: relaxed SIMD)"
  GRAFT_NODE_FLAGS=--experimental-wasm-relaxed-simd GOOS=js GOARCH=wasm go test -count=1 -exec "$WASM_EXEC" "${pkgs[@]}"
  GRAFT_NODE_FLAGS=--experimental-wasm-relaxed-simd GOOS=js GOARCH=wasm go test -count=1 -exec "$WASM_EXEC" "${model[@]}"
  echo "== go test (js/wasm under Node: -tags purego)"
  GOOS=js GOARCH=wasm go test -count=1 -tags purego -exec "$WASM_EXEC" "${pkgs[@]}"
  GOOS=js GOARCH=wasm go test -count=1 -tags purego -exec "$WASM_EXEC" "${model[@]}"
}

# bench_resnet: ResNet50 224x224, batch 1, the full network (synthetic weights), one thread:
# one JSON line per engine (wasm/cmd/bench): wasm-simd128 and wasm-relaxed-simd in Node 20
# through the loader, wasm-scalar (the -tags purego build), then natively: the engine
# core/kernels dispatched (native-avx512 with AVX-512F, native-avx2 with AVX2+FMA, else
# native-go) with GOMAXPROCS=1 and with every core (nproc), on an AVX-512 CPU native-avx2 too
# (GRAFT_KERNELS=avx2), and native-go (-tags purego, one thread, the pure-Go kernels).
# The native lines measure the CPU's FMA peak first (-fmapeak, stderr) and give fma_peak_share
# (gflops over the peak of the kernels' width, ymm or zmm, at the same threads). BENCH_RUNS
# timed runs (default 20) after a warm-up. Go's GC target is BENCH_GOGC (default 25; Go's wasm
# memory never shrinks, so the heap's high-water mark is Node's RSS; a lower target costs no
# measurable time, as the float data is not scanned); the JSON says which ("gogc"). The kernels
# are int8 in memory as a converted model's are (BENCH_WEIGHTS=float32 for the float32-resident
# model; the JSON's "weights" says which ran).
bench_resnet() {
  need_node
  local out=build/bench runs=${BENCH_RUNS:-20} gogc=${BENCH_GOGC:-25} weights=${BENCH_WEIGHTS:-int8}
  mkdir -p "$out"
  GOOS=js GOARCH=wasm go build -o "$out/bench.wasm" ./wasm/cmd/bench
  GOOS=js GOARCH=wasm go build -tags purego -o "$out/bench-scalar.wasm" ./wasm/cmd/bench
  go build -o "$out/bench-native" ./wasm/cmd/bench
  go build -tags purego -o "$out/bench-native-go" ./wasm/cmd/bench
  cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$out/"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" >&2
  local run=(env GOGC="$gogc" GRAFT_WASM_EXEC="$out/wasm_exec.js" node --stack-size=8192)
  local simd relaxed
  simd=$("${run[@]}" wasm/cmd/wasmexec/run.mjs "$out/bench.wasm" -runs "$runs" -weights "$weights")
  echo "$simd"
  relaxed=$("${run[@]}" --experimental-wasm-relaxed-simd wasm/cmd/wasmexec/run.mjs "$out/bench.wasm" -runs "$runs" -weights "$weights")
  echo "$relaxed"
  "${run[@]}" wasm/cmd/wasmexec/run.mjs "$out/bench-scalar.wasm" -runs "$runs" -warmup 1 -weights "$weights"
  GOGC="$gogc" GOMAXPROCS=1 "$out/bench-native" -runs "$runs" -weights "$weights" -fmapeak
  GOGC="$gogc" GOMAXPROCS="$(nproc)" "$out/bench-native" -runs "$runs" -weights "$weights" -fmapeak
  if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then # the AVX2 tiles too, on the same CPU
    GRAFT_KERNELS=avx2 GOGC="$gogc" GOMAXPROCS=1 "$out/bench-native" -runs "$runs" -weights "$weights" -fmapeak
    GRAFT_KERNELS=avx2 GOGC="$gogc" GOMAXPROCS="$(nproc)" "$out/bench-native" -runs "$runs" -weights "$weights" -fmapeak
  fi
  GOGC="$gogc" GOMAXPROCS=1 "$out/bench-native-go" -runs "$runs" -warmup 1 -weights "$weights"
  bench_ceiling "$simd" "$relaxed"
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" >&2
}

# bench_ceiling SIMD_LINE RELAXED_LINE: what this machine's CPU gives the micro-kernels at best
# (stderr): one 60×256×256 gemm_f32 block, B packed, everything in cache, called repeatedly (best
# of 3 passes; the measurement of wasm/gen/README.md). ResNet50's 7.72 GFLOP over it is the floor
# under the wasm lines, and the floor over a line's ms_median is the share of the ceiling that the
# whole network reaches: comparable across machines (targets: SIMD128 >= 85%, relaxed >= 83%; wasm/gen/README.md).
bench_ceiling() {
  node --experimental-wasm-relaxed-simd wasm/kernels/testdata/bench_node.mjs --modes=prepacked --shapes=60x256x256 \
      --mc=60 --repeat=3 --json wasm/kernels/kernels.wasm wasm/kernels/kernels-relaxed.wasm |
    node -e 'const lines = { "kernels.wasm": process.argv[1], "kernels-relaxed.wasm": process.argv[2] };
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        for (const l of s.trim().split("\n")) {
          const r = JSON.parse(l), floor = 7720 / r.gflops_best;
          let share = "";
          try { const e = JSON.parse(lines[r.module]); share = `; ${e.engine} ran at ${(100 * floor / e.ms_median).toFixed(1)}% of it`; } catch {}
          console.error(`# kernel ceiling ${r.module}: ${r.gflops_best} GFLOP/s (one hot ${r.m}x${r.k}x${r.n} block): ` +
            `a ${floor.toFixed(1)} ms floor for ResNet50${share}`);
        } })' "${1:-}" "${2:-}"
}

# bench_peers: the peers of ./build.sh bench on the same work (bench/peers/README.md): ResNet50
# in TensorFlow.js 4.22's wasm backend and ONNX Runtime Web 1.30's wasm provider, one thread,
# then ONNX Runtime 1.30's native CPU provider (onnxruntime-node) with intra-op 1 and every core
# (nproc), BENCH_RUNS timed runs; one JSON line each. npm ci from bench/peers/package-lock.json
# when node_modules is missing or older than the lock file; onnxruntime-node's tarball bundles
# its linux-x64 CPU binary, and its postinstall would fetch only the CUDA provider from NuGet,
# so ONNXRUNTIME_NODE_INSTALL=skip keeps the install on the npm registry.
bench_peers() {
  need_node
  local dir=bench/peers runs=${BENCH_RUNS:-20}
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "== npm ci (bench/peers)" >&2
    ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
    touch "$dir/node_modules"
  fi
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" >&2
  node "$dir/resnet50_tfjs.mjs" --runs "$runs"
  node "$dir/resnet50_ort.mjs" --runs "$runs"
  node "$dir/resnet50_ort_native.mjs" --runs "$runs" --threads 1
  node "$dir/resnet50_ort_native.mjs" --runs "$runs" --threads "$(nproc)"
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" >&2
}

# long_tests: the runs too long for ./build.sh test. The full cats-vs-dogs accuracy run: train on
# cats-vs-dogs/train (1000 photos + flips), eval on validation (300); ~15–30 min of feature
# extraction on 2 cores. Then the official weights on ../shared/data/imagenet-samples (top-1,
# int8 against float32 top-5, native against the GoMLX reference), skipped with the reason when
# the official file is not found locally (the tests never download).
long_tests() {
  GRAFT_LONG=1 go test -count=1 -timeout 60m -run '^TestTrainEvalCatsVsDogs$' -v ./core/cmd/graft
  GRAFT_LONG=1 go test -count=1 -timeout 60m -run '^TestOfficialWeights' -v ./weights/convert
  fuzz_all
}

# fuzz_all: every go test -fuzz target of the module (found with go test -list, so a new one is
# never forgotten) for FUZZ_TIME each (default 60s). The seeds are in the targets' f.Add calls
# and their testdata/fuzz folders; an input that fails is written there by go test, to be kept
# as a regression case once fixed.
fuzz_all() {
  local t=${FUZZ_TIME:-60s} pkg names=() failed=0
  while read -r line; do
    case "$line" in
      Fuzz*) names+=("$line") ;;
      ok*)
        pkg=$(echo "$line" | awk '{print $2}')
        for n in "${names[@]}"; do
          echo "== fuzz $pkg $n ($t)"
          go test -run '^$' -fuzz "^$n\$" -fuzztime "$t" "$pkg" || failed=1
        done
        names=() ;;
      *) names=() ;;
    esac
  done < <(go test -list '^Fuzz' ./... 2>/dev/null)
  return $failed
}

run_tests() {
  echo "== go vet"
  go vet ./...
  echo "== go test (native)"
  go test -count=1 -timeout 30m ./...
  wasm_tests
  web_e2e
  worker_test
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
    serve
    ;;
  dist)
    build_dist
    ;;
  worker)
    worker
    ;;
  worker-test)
    worker_test
    ;;
  web-e2e)
    web_e2e
    ;;
  bench)
    bench_resnet
    ;;
  bench-peers)
    bench_peers
    ;;
  bench-go)
    go test -run '^$' -bench . -benchtime 3x ./core/...
    ;;
  wasm-test)
    wasm_tests
    ;;
  long-tests)
    long_tests
    ;;
  weights)
    resolve_weights
    printf 'weights: %s\t%s\t%s\n' "$WEIGHTS_SOURCE" "$WEIGHTS_KIND" "$WEIGHTS_H5"
    ;;
  *)
    echo "usage: ./build.sh serve|test|build|bench|bench-peers|bench-go|dist|worker|worker-test|web-e2e|wasm-test|long-tests|weights" >&2
    exit 2
    ;;
esac
