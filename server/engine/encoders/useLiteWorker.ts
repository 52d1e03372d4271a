// Worker thread of the USE-Lite pool (useLitePool.ts): loads its own copy of the model (refusing weights that differ
// from the encoder's), then embeds the token-id batches it is sent, one at a time, in arrival order.
import { parentPort, workerData } from 'node:worker_threads';
import { loadUseLiteModel, type UseLiteModel } from './useLiteModel';
import type { PoolReply, PoolRequest, PoolWorkerData } from './useLitePool';

const port = parentPort;
if (!port) throw new Error('useLiteWorker runs as a worker thread');
const data = workerData as PoolWorkerData;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const reply = (msg: PoolReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

let chain: Promise<UseLiteModel | null> = loadUseLiteModel(data.maxChars).then((model) => {
  if (model.identity.weightsSha256 !== data.weightsSha256) throw new Error('USE-Lite worker loaded different weights');
  reply({ type: 'ready' });
  return model;
}, (err: unknown) => {
  reply({ type: 'failed', message: messageOf(err) });
  return null;
});

port.on('message', (req: PoolRequest) => {
  chain = chain.then(async (model) => {
    if (!model) return model;
    try {
      const ids: number[][] = [];
      for (let r = 0, k = 0; r < req.lengths.length; k += req.lengths[r++]) ids.push(Array.from(req.values.subarray(k, k + req.lengths[r])));
      const out = await model.embedTokens(ids);
      reply({ type: 'done', id: req.id, data: out }, [out.buffer as ArrayBuffer]);
    } catch (err) {
      reply({ type: 'error', id: req.id, message: messageOf(err) });
    }
    return model;
  });
});
