// Hover latency benchmark (prints figures, asserts nothing): drives the real daemon over stdio like an editor does,
// trains on the bundled example, then measures hover round trips over the example's rows — cold (first visit of
// each row), unseen (first visit of rows whose text no cache holds: encoded in the prediction thread), warm (every row
// again), and warm while a second training runs in the daemon's job thread. Targets: warm p95 ≤ 10 ms, cold ≤ 100 ms.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { Requests } from '../common/protocol';

const repo = path.resolve(__dirname, '..');
const sharedModels = path.resolve(repo, '../shared/models');

function summary(name: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return `${name.padEnd(28)} n=${String(s.length).padStart(3)}  p50 ${q(0.5).padStart(7)} ms  p95 ${q(0.95).padStart(7)} ms  max ${s[s.length - 1].toFixed(1).padStart(7)} ms`;
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-hover-bench-'));
  fs.cpSync(path.join(repo, 'examples'), path.join(work, 'data'), { recursive: true });
  const server = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(repo, 'server/cli.ts'), 'serve', '--stdio'],
    { cwd: work, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, GENRE_LENS_CACHE: path.join(work, 'cache') } });
  const conn = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  conn.onRequest('window/workDoneProgress/create', () => null);
  for (const m of ['$/progress', 'genreLens/status', 'window/logMessage']) conn.onNotification(m, () => undefined);
  conn.listen();
  const onnx = fs.existsSync(path.join(sharedModels, 'mobilenetv2-12-int8.onnx'));
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(work).href, capabilities: { window: { workDoneProgress: true } },
    initializationOptions: { trusted: true, ...(onnx ? { modelsDirectory: sharedModels } : { imageEncoder: 'nsfwjs' }) } });
  await conn.sendNotification('initialized', {});
  const file = path.join(work, 'data/movies.csv');
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, 'utf8');
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'csv', version: 1, text } });
  const t0 = performance.now();
  await conn.sendRequest(Requests.train, { data: uri, skipAblation: true });
  console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s (image encoder: ${onnx ? 'ImageNet ONNX' : 'nsfwjs'})`);
  // One position per record: the first character of every line that starts a row (ids look like m01).
  const lines = text.split('\n').map((l, i) => ({ l, i })).filter(({ l }) => /^m\d+,/.test(l)).map(({ i }) => i);
  const hover = async (line: number) => {
    const s = performance.now();
    await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 1 } });
    return performance.now() - s;
  };
  const cold: number[] = [];
  for (const l of lines) cold.push(await hover(l));
  // The same rows with descriptions no cache holds: each hover encodes its text (posters are cached by their bytes).
  const unseenUri = pathToFileURL(path.join(work, 'data/unseen.csv')).href;
  const unseenText = text.split('\n').map((l) => (/^m\d+,/.test(l) ? l.replace(/^(m\d+,(?:"(?:[^"]|"")*"|[^,]*),"?)/, '$1Unseen before: ') : l)).join('\n');
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: unseenUri, languageId: 'csv', version: 1, text: unseenText } });
  const unseen: number[] = [];
  for (const l of lines) {
    const s = performance.now();
    await conn.sendRequest('textDocument/hover', { textDocument: { uri: unseenUri }, position: { line: l, character: 1 } });
    unseen.push(performance.now() - s);
  }
  const warm: number[] = [];
  for (let k = 0; k < 3; k++) for (const l of lines) warm.push(await hover(l));
  const during: number[] = [];
  const training = conn.sendRequest(Requests.train, { data: uri, seed: 9 });
  let done = false;
  void training.finally(() => (done = true));
  while (!done && during.length < 2000) for (const l of lines) if (!done) during.push(await hover(l));
  await training;
  console.log(summary('cold (first hover of a row)', cold));
  console.log(summary('unseen text (encoded)', unseen));
  console.log(summary('warm', warm));
  console.log(summary('warm, during a training', during));
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  server.kill();
  fs.rmSync(work, { recursive: true, force: true });
}

void main();
