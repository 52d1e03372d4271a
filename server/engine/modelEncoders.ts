// The encoders a saved model predicts with: exactly the ones its manifest names (id, and for MiniLM the revision and
// every file's sha256; weights sha256 for all), loaded from the models folder, the cache or a download. Never a
// stand-in: an encoder this machine cannot reproduce is an error saying how to get it, or to retrain.
import * as path from 'node:path';
import {
  asFallback, createImageEncoder, createTextEncoder, hubEndpoint, ModelUnavailableError, type EncoderIdentity, type ImageEncoder, type TextEncoder,
} from './encoders';
import { messageOf, modelsDirOf, putFilesHint } from './encoders/hubFiles';
import { NSFWJS_ID, loadNsfwjsImageEncoder } from './encoders/nsfwjsImage';
import { MINILM, MOBILENETV2 } from './encoders/registry';
import { USE_LITE_ID } from './encoders/useLite';
import { type EngineOptions, hubAccessOf, imageSourceOf, modelDownloadsOff, type RunProgress } from './engineOptions';
import { disposeEncoders, type Encoders } from './features';
import type { Manifest } from '../../common/modelTypes';

const unknownEncoder = (kind: string, id: string, known: string[]) => new Error(`The model was trained with the ${kind} encoder ${id}, ` +
  `which this Genre Lens does not know (it knows ${known.join(', ')}): was it made by a newer version? Update Genre Lens, or retrain the model.`);

/** What to do when MiniLM's pinned files are not here: allow downloads, or put exactly those files in the models folder. */
function miniLmMissing(want: EncoderIdentity, options: EngineOptions, err: ModelUnavailableError): Error {
  const repo = MINILM.hub?.repo ?? MINILM.id;
  const dir = modelsDirOf(options.modelsDir);
  const where = dir ? path.join(dir, repo) : `<models folder>/${repo} (the folder given by --models, GENRE_LENS_MODELS or genreLens.modelsDirectory)`;
  // hubFiles' advice ends with "or use the bundled encoders", which cannot predict with this model: left out here.
  const why = err.message.replace(`; ${putFilesHint(MINILM, dir)}`, '');
  const off = modelDownloadsOff(options);
  // 'local': trained from a models folder, so the files (not a revision) are what the model pins.
  const revision = want.revision && want.revision !== 'local' ? `revision ${want.revision}` : `the files of revision ${MINILM.hub?.revision ?? 'main'}`;
  const fetch = off ? `${off}; then ${revision} is fetched from ${hubEndpoint(options.hubUrl)}`
    : `Check the connection to ${hubEndpoint(options.hubUrl)} (or point --hub-url / genreLens.hubUrl at a mirror) so ${revision} can be fetched`;
  const files = (want.files ?? MINILM.files).map((f) => f.path).join(', ');
  return new Error(`The model was trained with the text encoder ${want.id} at revision ${want.revision ?? '?'}, whose files are not on this machine ` +
    `(${why}). ${fetch}. Or put those files (${files}, with the sha256 listed under encoders.text.files in the model's manifest.json) ` +
    `in ${where}. Or retrain the model (--text-encoder use-lite needs no download).`);
}

async function loadText(want: EncoderIdentity, options: EngineOptions, onProgress?: (p: RunProgress) => void): Promise<TextEncoder> {
  if (want.id === USE_LITE_ID) {
    const { encoder } = await createTextEncoder({ model: 'use-lite' });
    return want.fallback ? asFallback(encoder) : encoder;
  }
  if (want.id !== MINILM.id) throw unknownEncoder('text', want.id, [MINILM.id, USE_LITE_ID]);
  const pin = want.revision && want.files ? { revision: want.revision, files: want.files } : undefined;
  try {
    return (await createTextEncoder({ model: 'minilm', hub: hubAccessOf(options, onProgress), pin })).encoder;
  } catch (e) {
    throw e instanceof ModelUnavailableError ? miniLmMissing(want, options, e) : e;
  }
}

async function loadImage(want: EncoderIdentity | null, options: EngineOptions, onProgress?: (p: RunProgress) => void): Promise<ImageEncoder | null> {
  if (!want) return null;
  if (want.id === NSFWJS_ID) {
    const encoder = await loadNsfwjsImageEncoder();
    return want.fallback ? asFallback(encoder) : encoder;
  }
  if (want.id !== MOBILENETV2.id) throw unknownEncoder('image', want.id, [MOBILENETV2.id, NSFWJS_ID]);
  try {
    return (await createImageEncoder({ model: 'mobilenetv2', ...imageSourceOf(options, onProgress), allowFallback: false })).encoder;
  } catch (e) {
    const off = modelDownloadsOff(options);
    const why = messageOf(e).replace(`; ${putFilesHint(MOBILENETV2, modelsDirOf(options.modelsDir))}`, '');
    throw new Error(`The model was trained with the image encoder ${want.id} (sha256 ${want.weightsSha256.slice(0, 12)}), which is not available here ` +
      `(${why}). ${off ? `${off}; or set` : 'Set'} --models or GENRE_LENS_MODELS (genreLens.modelsDirectory) to the folder with ` +
      `${MOBILENETV2.files[0].path}.`);
  }
}

/** Same encoder: id, dimension, weights and, when the model recorded them, every file. */
function sameEncoder(a: EncoderIdentity | null, b: EncoderIdentity | null): boolean {
  if (a === null || b === null) return a === b;
  const files = (i: EncoderIdentity) => JSON.stringify([...(i.files ?? [])].sort((x, y) => x.path.localeCompare(y.path)));
  return a.id === b.id && a.dim === b.dim && a.weightsSha256 === b.weightsSha256 && (!a.files || files(a) === files(b));
}

/** The encoders a saved model was trained with; throws, saying how to fix it, if this machine cannot reproduce them. */
export async function loadModelEncoders(manifest: Manifest, options: EngineOptions, onProgress?: (p: RunProgress) => void): Promise<Encoders> {
  const text = await loadText(manifest.encoders.text, options, onProgress);
  let image: ImageEncoder | null;
  try {
    image = await loadImage(manifest.encoders.image, options, onProgress);
  } catch (e) {
    await text.dispose();
    throw e;
  }
  const enc: Encoders = { text, image };
  const got = { text: text.identity(), image: image?.identity() ?? null };
  for (const kind of ['text', 'image'] as const) {
    const want = manifest.encoders[kind];
    if (!sameEncoder(want, got[kind])) {
      await disposeEncoders(enc);
      throw new Error(`The model was trained with the ${kind} encoder ${want?.id ?? 'none'} (sha256 ${want?.weightsSha256.slice(0, 12) ?? '-'}), ` +
        `but this machine has ${got[kind]?.id ?? 'none'} (sha256 ${got[kind]?.weightsSha256.slice(0, 12) ?? '-'})` +
        `${kind === 'image' ? ' (set --models or GENRE_LENS_MODELS to the folder with the ONNX model)' : ': retrain the model here, or install the Genre Lens version it was trained with'}.`);
    }
  }
  return enc;
}
