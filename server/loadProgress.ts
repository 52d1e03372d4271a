// Work-done progress for a model load that downloads its encoders' files — a model trained on another machine, whose
// MiniLM or MobileNetV2 files are in neither the models folder nor the cache — so the editor shows
// "downloading onnx/model.onnx 12.3/90.4 MB" while the first hover waits, as training does.
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import type { RunProgress } from './engine/engineOptions';
import { progressMessage } from './jobs';

/** The `onDownload` callback of PredictClient: one progress per model folder, ended when its load finishes. */
export function modelLoadProgress(connection: Connection): (dir: string, p: RunProgress | null) => void {
  const shown = new Map<string, { reporter: Promise<WorkDoneProgressServerReporter | null>; last: number }>();
  return (dir, p) => {
    let entry = shown.get(dir);
    if (p === null) {
      shown.delete(dir);
      void entry?.reporter.then((r) => r?.done());
      return;
    }
    if (!entry) {
      const reporter = connection.window.createWorkDoneProgress().then((r) => {
        r.begin('Genre Lens: loading the model', undefined, progressMessage(p)); // several files: no single percentage
        return r;
      }, () => null); // a client without work-done progress: nothing to show
      entry = { reporter, last: 0 };
      shown.set(dir, entry);
    }
    // A download reports every chunk: pass on a few a second, and its last one.
    const now = Date.now();
    if (p.done !== p.total && now - entry.last < 250) return;
    entry.last = now;
    void entry.reporter.then((r) => r?.report(progressMessage(p)));
  };
}
