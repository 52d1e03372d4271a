// A stand-in for server/engine/run.ts in the daemon's job worker (see hook.ts): trains and saves a real model without
// the comparison, says 'saved', then "compares" — 'comparing' progress until the file $GENRE_LENS_FAKE_GATE/go-<seed>
// appears (done) or the job is cancelled (cancelled) — and rewrites report.json with the outcome, as the engine does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../server/engine/modelStore';
import { trainRun as realTrainRun, type TrainRunOptions, type TrainRunResult } from '../../server/engine/run';
import type { AblationStatus, Report } from '../../common/modelTypes';

export { predictFile } from '../../server/engine/run';

const STEPS = 40;

function writeReport(dir: string, report: Report): void {
  writeFileAtomic(path.join(dir, 'report.json'), JSON.stringify(report));
}

export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
  // The real engine's own 'saved'/'comparing' (once it has them) are left out: this file plays them.
  const onProgress = (p: Parameters<NonNullable<TrainRunOptions['onProgress']>>[0]) => p.phase !== 'saved' && p.phase !== 'comparing' && o.onProgress?.(p);
  const r = await realTrainRun({ ...o, ablation: false, onProgress });
  const base: Report = { ...r.report, ablation: { both: r.report.ablation.both } };
  if (o.ablation === false) {
    writeReport(r.modelDir, { ...base, ablationStatus: 'skipped' });
    o.onProgress?.({ phase: 'saved', detail: r.modelDir });
    return { ...r, report: { ...base, ablationStatus: 'skipped' } };
  }
  writeReport(r.modelDir, { ...base, ablationStatus: 'pending' });
  o.onProgress?.({ phase: 'saved', detail: r.modelDir });
  const gate = path.join(process.env.GENRE_LENS_FAKE_GATE ?? '/nonexistent', `go-${o.seed ?? 42}`);
  let status: AblationStatus = 'done';
  for (let i = 0; !fs.existsSync(gate); i = Math.min(i + 1, STEPS - 1)) {
    if (o.signal?.aborted) {
      status = 'cancelled';
      break;
    }
    o.onProgress?.({ phase: 'comparing', done: i, total: STEPS });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const both = r.report.ablation.both;
  const report: Report = status === 'done' ? { ...base, ablation: { both, text: both, poster: both }, ablationStatus: 'done' } : { ...base, ablationStatus: status };
  writeReport(r.modelDir, report);
  return { ...r, report };
}
