// node_runner.mjs: runs a kernel module under Node for the Go tests (engine_test.go). Usage:
//   node [--experimental-wasm-relaxed-simd] node_runner.mjs MODULE.wasm PAGES
// instantiates MODULE with a fresh WebAssembly.Memory of PAGES pages as env.memory (no maximum,
// as Go's memory), then answers one JSON command per stdin line with one JSON line on stdout:
//   {"op":"write","addr":A,"data":BASE64} → {}      {"op":"read","addr":A,"len":N} → {"data":BASE64}
//   {"op":"call","fn":NAME,"args":[i32…]} → {}      errors → {"error":TEXT}
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [wasmPath, pages] = process.argv.slice(2);
const memory = new WebAssembly.Memory({ initial: Number(pages) });
let instance;
try {
  ({ instance } = await WebAssembly.instantiate(readFileSync(wasmPath), { env: { memory } }));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: 'instantiate: ' + e }) + '\n');
  process.exit(1);
}
process.stdout.write(JSON.stringify({ ready: Object.keys(instance.exports) }) + '\n');

for await (const line of createInterface({ input: process.stdin })) {
  let reply = {};
  try {
    const cmd = JSON.parse(line);
    switch (cmd.op) {
      case 'write':
        new Uint8Array(memory.buffer).set(Buffer.from(cmd.data, 'base64'), cmd.addr);
        break;
      case 'read':
        reply.data = Buffer.from(memory.buffer, cmd.addr, cmd.len).toString('base64');
        break;
      case 'call':
        instance.exports[cmd.fn](...cmd.args);
        break;
      default:
        reply.error = 'unknown op ' + cmd.op;
    }
  } catch (e) {
    reply.error = String(e);
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
