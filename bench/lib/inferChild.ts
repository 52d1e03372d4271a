// Bench child: the encoders alone on the TMDB rows (train.csv + test.csv, each distinct text / poster file once).
//  text  — pure text inference: the text encoder loaded (untimed), then one encode() of every distinct text.
//  image — (1) our image pipeline's throughput: createImageEncoder's encode() over the poster files (read, sharp decode +
//          resize, ImageNet normalise, ONNX inference; model loaded untimed); (2) decode alone; (3) pure inference:
//          the same ONNX session setup as onnxImage.ts over the pre-decoded posters, only session.run timed.
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { createImageEncoder, createTextEncoder } from '../../server/engine/encoders';
import { addPooledFeatureOutput, fillImagenetNchw, locateOnnxModel } from '../../server/engine/encoders/onnxImage';
import { decodePoster, POSTER_SIZE } from '../../server/engine/encoders/posterPixels';
import { hubAccessOf, modelDownloadsOff } from '../../server/engine/engineOptions';
import { rowText } from '../../server/engine/features';
import { trainingRows } from '../../server/engine/trainingRows';
import { childMain, configArg, emit, engineOptionsOf, maxRssMB, round } from './common';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const since = (t: number) => (performance.now() - t) / 1000;

async function rowsOf() {
  const config = configArg(argv);
  const options = engineOptionsOf(config, opt('--cache') as string);
  const rows = await trainingRows(options, () => undefined);
  return { config, options, all: [...rows.trainRows, ...rows.evalRows] };
}

async function text(): Promise<void> {
  const { config, options, all } = await rowsOf();
  const texts = [...new Set(all.map(rowText))];
  let t = performance.now();
  const created = await createTextEncoder({ model: config.textEncoder, allowFallback: true, hub: hubAccessOf(options),
    downloadsOff: modelDownloadsOff(options) });
  const loadSeconds = since(t);
  process.stderr.write(`text encoder ${created.encoder.id} loaded in ${loadSeconds.toFixed(1)} s; encoding ${texts.length} texts\n`);
  t = performance.now();
  await created.encoder.encode(texts, { onProgress: (d, n) => d % 512 < 32 && process.stderr.write(`text ${d}/${n}\n`) });
  const inferSeconds = since(t);
  await created.encoder.dispose();
  emit({ encoder: created.encoder.id, fallback: created.warning !== null, texts: texts.length, loadSeconds: round(loadSeconds),
    inferSeconds: round(inferSeconds), textsPerSecond: round(texts.length / inferSeconds, 2), peakRssMB: maxRssMB() });
}

async function image(): Promise<void> {
  const { config, all } = await rowsOf();
  const limit = Number(opt('--limit') ?? Infinity);
  const batchSize = Number(opt('--batch') ?? 16);
  const files = [...new Set(all.flatMap((r) => (r.poster?.kind === 'file' ? [r.poster.path] : [])))].slice(0, limit);
  const list = opt('--list');
  if (list) fs.writeFileSync(list, JSON.stringify(files));

  // (1) The product's image encoder end to end over the files.
  let t = performance.now();
  const made = await createImageEncoder({ model: 'mobilenetv2', modelsDir: config.modelsDir, allowFallback: false, batchSize });
  const loadSeconds = since(t);
  t = performance.now();
  const res = await made.encoder.encode(files.map((path) => ({ kind: 'file' as const, path })));
  const pipelineSeconds = since(t);
  await made.encoder.dispose();
  const encoded = res.missing.filter((m) => !m).length;
  process.stderr.write(`ours: ${encoded}/${files.length} posters in ${pipelineSeconds.toFixed(1)} s\n`);

  // (2) Decode + resize alone (sharp on libuv's pool, 4 in flight), keeping the RGB bytes for (3).
  t = performance.now();
  const rgb: Buffer[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < files.length) {
      const d = await decodePoster({ kind: 'file', path: files[next++] });
      if (d.rgb) rgb.push(d.rgb);
    }
  }));
  const decodeSeconds = since(t);

  // (3) Pure inference over pre-decoded tensors: the session is set up as in onnxImage.ts's loadOnnxImageEncoder.
  const located = await locateOnnxModel({ modelsDir: config.modelsDir });
  if (!located) throw new Error('mobilenetv2-12-int8.onnx not found in the models folder');
  const session = await ort.InferenceSession.create(addPooledFeatureOutput(located.data), { intraOpNumThreads: 2, interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } } });
  const item = 3 * POSTER_SIZE * POSTER_SIZE;
  const input = session.inputNames[0];
  const warm = new Float32Array(item);
  await session.run({ [input]: new ort.Tensor('float32', warm, [1, 3, POSTER_SIZE, POSTER_SIZE]) });
  let inferMs = 0;
  for (let i = 0; i < rgb.length; i += batchSize) {
    const n = Math.min(batchSize, rgb.length - i);
    const batch = new Float32Array(n * item);
    for (let k = 0; k < n; k++) fillImagenetNchw(rgb[i + k], batch, k * item);
    const s = performance.now();
    await session.run({ [input]: new ort.Tensor('float32', batch, [n, 3, POSTER_SIZE, POSTER_SIZE]) });
    inferMs += performance.now() - s;
  }
  await session.release();
  emit({
    files: files.length, batchSize, modelLoadSeconds: round(loadSeconds),
    ours: { images: encoded, seconds: round(pipelineSeconds), imagesPerSecond: round(encoded / pipelineSeconds, 2) },
    decodeOnly: { images: rgb.length, seconds: round(decodeSeconds), imagesPerSecond: round(rgb.length / decodeSeconds, 2), concurrency: 4 },
    pureInference: { images: rgb.length, seconds: round(inferMs / 1000), imagesPerSecond: round(rgb.length / (inferMs / 1000), 2) },
    peakRssMB: maxRssMB(),
  });
}

childMain(async () => {
  if (argv[0] === 'text') await text();
  else if (argv[0] === 'image') await image();
  else throw new Error(`unknown mode ${argv[0]}`);
});
