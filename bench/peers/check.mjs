// check.mjs: the quick smoke test of the peer benchmarks, by hand (it is not part of
// ./build.sh test). It builds ResNet50 in both engines in this process and checks that they
// compute the same function — both count ResNet50's multiply-adds from their own layers, both
// give 1000 probabilities summing to 1, and, as both load the same seeded weights and image, the
// two probability vectors agree within CROSS_ENGINE_TOLERANCE and share their top-5 — then runs
// each benchmark script with --check (one warm-up, one timed run, in its own process so that
// its rss_mb is its own) and passes its JSON line through.
//
//   node check.mjs
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOrtResNet50 } from './resnet50_ort.mjs';
import { createTfjsResNet50 } from './resnet50_tfjs.mjs';
import { forbidNetwork } from './timing.mjs';

// CROSS_ENGINE_TOLERANCE bounds |p_tfjs − p_ort| per class: float32 over 53 convs summed in
// different orders (XNNPACK's NHWC GEMMs, MLAS's NCHW ones) differs by ~1e-6 at these
// probabilities (the largest is ≈ 0.15); a layout or weight mistake gives differences of 1e-2.
const CROSS_ENGINE_TOLERANCE = 1e-5;

const HERE = path.dirname(fileURLToPath(import.meta.url));

function top5(p) {
  return Array.from(p, (v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([, i]) => i);
}

async function main() {
  forbidNetwork();
  const tfjs = await createTfjsResNet50();
  const ort = await createOrtResNet50();
  const a = await tfjs.forward();
  const b = await ort.forward();
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  const [ta, tb] = [top5(a), top5(b)];
  console.log(`# tfjs ${tfjs.macs} MACs, ort ${ort.macs} MACs; max |p_tfjs - p_ort| = ${maxDiff.toExponential(2)}; top-5 ${ta} / ${tb}`);
  if (tfjs.macs !== ort.macs) throw new Error(`the engines count different work: ${tfjs.macs} vs ${ort.macs} multiply-adds`);
  if (!(maxDiff <= CROSS_ENGINE_TOLERANCE)) throw new Error(`the engines disagree: max difference ${maxDiff} > ${CROSS_ENGINE_TOLERANCE}`);
  if (ta.join() !== tb.join()) throw new Error(`the engines' top-5 differ: ${ta} vs ${tb}`);

  for (const script of ['resnet50_tfjs.mjs', 'resnet50_ort.mjs']) {
    const r = spawnSync(process.execPath, [path.join(HERE, script), '--check'], { encoding: 'utf8' });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.status !== 0) throw new Error(`${script} --check exited ${r.status}`);
  }
  console.log('# check: ok');
}

main().catch((e) => {
  console.error(e?.stack ?? e?.message ?? e);
  process.exit(1);
});
