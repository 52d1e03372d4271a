// Tests for the lazy onnxruntime-node load (onnxRuntime.ts): where it has no binary (macOS Intel with 1.30.0) the
// ONNX encoders report it as unavailable and the bundled fallbacks stand in, with a warning naming the platform.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MOBILENETV2_INT8_FILE, ModelUnavailableError, createImageEncoder } from '../server/engine/encoders';
import { loadTransformers } from '../server/engine/encoders/miniLm';
import { loadOnnxRuntime, onnxRuntimeFailure, setOnnxRuntimeLoaderForTests } from '../server/engine/encoders/onnxRuntime';

/** What requiring onnxruntime-node throws where bin/napi-v6/<os>/<arch>/ is absent. */
const missingBinding = () => Object.assign(
  new Error("Cannot find module '../bin/napi-v6/darwin/x64/onnxruntime_binding.node'\nRequire stack:\n- …/onnxruntime-node/dist/binding.js"),
  { code: 'MODULE_NOT_FOUND' },
);

let tmp = '';
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'genre-lens-ort-'));
});
after(async () => {
  setOnnxRuntimeLoaderForTests(undefined);
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('lazy onnxruntime-node', () => {
  it('loads the real module on this platform', async () => {
    setOnnxRuntimeLoaderForTests(undefined);
    const ort = await loadOnnxRuntime();
    assert.equal(typeof ort.InferenceSession.create, 'function');
    assert.equal(typeof ort.Tensor, 'function');
  });

  it('names the platform when the binding is missing, and other failures as they are', () => {
    assert.equal(onnxRuntimeFailure(missingBinding(), 'darwin', 'x64'),
      'onnxruntime-node has no binary for darwin/x64 (the ONNX encoders need it)');
    assert.equal(onnxRuntimeFailure(new Error('boom.'), 'linux', 'x64'), 'onnxruntime-node could not be loaded on linux/x64: boom');
  });

  it('makes the ONNX image encoder unavailable, so nsfwjs stands in with a warning', async () => {
    setOnnxRuntimeLoaderForTests(() => Promise.reject(missingBinding()));
    const modelsDir = path.join(tmp, 'models');
    await fs.mkdir(modelsDir, { recursive: true });
    await fs.writeFile(path.join(modelsDir, MOBILENETV2_INT8_FILE), 'never parsed: onnxruntime fails first');
    const options = { modelsDir, modelSha256: null };
    await assert.rejects(createImageEncoder({ ...options, allowFallback: false }),
      (err: Error) => err instanceof ModelUnavailableError && /onnxruntime-node has no binary for/.test(err.message));
    const { encoder, warning } = await createImageEncoder({ ...options, allowFallback: true });
    try {
      assert.match(warning ?? '', /bundled fallback encoder \(nsfwjs.*because onnxruntime-node has no binary for \w+\/\w+/);
      assert.deepEqual([encoder.identity().id, encoder.identity().fallback], ['nsfwjs-mobilenetv2-pooled', true]);
    } finally {
      await encoder.dispose();
    }
  });

  it('makes transformers.js (MiniLM) unavailable without caching the failure', async () => {
    setOnnxRuntimeLoaderForTests(() => Promise.reject(missingBinding()));
    await assert.rejects(loadTransformers(), (err: Error) => err instanceof ModelUnavailableError && /no binary for/.test(err.message));
    setOnnxRuntimeLoaderForTests(undefined);
    assert.equal(typeof (await loadTransformers()).AutoTokenizer, 'function');
  });
});
