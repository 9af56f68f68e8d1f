// timing.mjs: the measurement both peer benchmarks share, made to match Graft's own
// (wasm/cmd/bench): a warm-up, then N timed forward passes each ending with the output read
// back; ms_median and ms_min of the wall-clock times, cpu_ms_median from process.cpuUsage()
// (user + system, every thread of the process) per run, rss_mb the process's peak resident set
// (getrusage's ru_maxrss: process.resourceUsage().maxRSS, KiB), gflops = 2·multiply-adds over
// the median. It also refuses any network access, so that whatever runs was installed by npm.
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';

// parseOptions reads --runs N (timed runs, default BENCH_RUNS or 20), --warmup N (default 3)
// and --check (one warm-up and one timed run: a quick smoke test).
export function parseOptions(argv = process.argv.slice(2)) {
  const opt = { runs: Number(process.env.BENCH_RUNS || 20), warmup: 3, check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') opt.check = true;
    else if (a === '--runs') opt.runs = Number(argv[++i]);
    else if (a === '--warmup') opt.warmup = Number(argv[++i]);
    else throw new Error(`unknown argument ${a} (want --runs N, --warmup N, --check)`);
  }
  if (opt.check) Object.assign(opt, { runs: 1, warmup: 1 });
  if (!(opt.runs >= 1) || !(opt.warmup >= 0)) throw new Error('--runs must be ≥ 1 and --warmup ≥ 0');
  return opt;
}

// forbidNetwork makes fetch and Node's http(s) clients throw for anything but file: and data:
// URLs, so a library that would download its .wasm at run time fails loudly instead.
export function forbidNetwork() {
  const refuse = (what) => {
    throw new Error(`network access refused (${what}): everything must come from bench/peers/node_modules`);
  };
  const fetch0 = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = String(input?.url ?? input);
    if (!/^(file|data|blob):/.test(url)) refuse(`fetch ${url}`);
    return fetch0(input, init);
  };
  for (const mod of [http, https]) {
    mod.request = (...a) => refuse(`http request ${String(a[0]?.href ?? a[0]?.host ?? a[0])}`);
    mod.get = mod.request;
  }
  syncBuiltinESMExports();
}

// timeRuns runs forward (async, resolving to the output values once read back) warmup times,
// then runs times under the clock; it returns the figures and the last output.
export async function timeRuns(forward, { runs, warmup }) {
  for (let i = 0; i < warmup; i++) await forward();
  const ms = [], cpu = [];
  let out;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    out = await forward();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  return { msMedian: median(ms), msMin: Math.min(...ms), cpuMsMedian: median(cpu), out };
}

// resultLine is the JSON line, in the field order of Graft's (wasm/cmd/bench), and the
// engine's own fields after.
export function resultLine(engine, macs, t, runs, extra) {
  return JSON.stringify({
    engine,
    ms_median: round(t.msMedian, 2),
    ms_min: round(t.msMin, 2),
    runs,
    gflops: round((2 * macs) / t.msMedian / 1e6, 2),
    rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    rss_now_mb: round(process.memoryUsage().rss / 2 ** 20, 1), // after the runs, for comparison
    cpu_ms_median: round(t.cpuMsMedian, 2),
    ...extra,
  });
}

// loadAverage is /proc/loadavg's first three fields (other work shares the cores).
export async function loadAverage() {
  const { readFile } = await import('node:fs/promises');
  try {
    return (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function round(v, digits) {
  const p = 10 ** digits;
  return Math.round(v * p) / p;
}
