// Pure helpers of the extension (no `vscode` import, so unit tests run them without VS Code): the status-bar text
// for a model state, and the name of a new predictions file that never overwrites an existing one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelState, ModelSummary } from '../common/protocol';

/** What the status bar says when a model was trained with a bundled stand-in encoder, and how to get the reference one. */
export function fallbackNote(model: ModelSummary): string | null {
  const { text, image } = model.encoders;
  const used = [
    ...(text.fallback ? [`the bundled text encoder ${text.id} instead of all-MiniLM-L6-v2`] : []),
    ...(image?.fallback ? [`the bundled poster encoder ${image.id} instead of ImageNet MobileNetV2`] : []),
  ];
  if (!used.length) return null;
  return `Fallback encoder: this model was trained with ${used.join(' and ')}, so it is less accurate (the report's warnings say ` +
    'why the reference encoder could not be had). To fix: trust the workspace, keep ' +
    'genreLens.downloadModels on and check the network or genreLens.hubUrl — or put the files in genreLens.modelsDirectory ' +
    '(README: "Working fully offline") — then train again with genreLens.textEncoder minilm and genreLens.imageEncoder mobilenetv2.';
}

export function statusText(s: ModelState): { text: string; tooltip: string; warning?: boolean } {
  switch (s.state) {
    case 'none':
      return { text: '$(symbol-class) Genre: no model', tooltip: 'No genre model yet: click to train one' };
    case 'training':
      return { text: `$(sync~spin) Genre: training ${s.percent}%`, tooltip: `Training a genre model (${s.phase})` };
    case 'ready': {
      const fallback = fallbackNote(s.model);
      const tooltip = `Genre model from ${path.basename(s.model.dataset)} (${s.model.genres.length} genres, ` +
        `micro-F1 ${s.model.microF1.toFixed(3)}, macro-F1 ${s.model.macroF1.toFixed(3)} on ${s.model.evalRows} rows). Click for the report.`;
      // The model is served while its text-only/poster-only comparison still runs.
      const c = s.comparison;
      const comparing = c ? `The model is ready and answers hovers; its text-only/poster-only comparison is running (${c.phase}) ` +
        'and the report shows it when it lands. "Genre Lens: Cancel Training" stops the comparison and keeps the model.\n\n' : '';
      return { text: `$(${c ? 'sync~spin' : fallback ? 'warning' : 'check'}) Genre: micro-F1 ${s.model.microF1.toFixed(2)}${c ? ` · comparing ${c.percent}%` : ''}`,
        tooltip: comparing + (fallback ? `${fallback}\n\n${tooltip}` : tooltip), warning: fallback !== null };
    }
    case 'error':
      return { text: '$(error) Genre: error', tooltip: s.message };
  }
}

/** `movies.csv` → `movies.predictions.csv`, or `movies.predictions-2.csv`... if that exists. */
export function predictionsPath(dataFile: string, exists: (p: string) => boolean = fs.existsSync): string {
  const ext = path.extname(dataFile).toLowerCase() === '.json' ? '.json' : '.csv';
  const base = path.join(path.dirname(dataFile), path.basename(dataFile, path.extname(dataFile)));
  for (let i = 1; ; i++) {
    const candidate = `${base}.predictions${i === 1 ? '' : `-${i}`}${ext}`;
    if (!exists(candidate)) return candidate;
  }
}

export const DATA_GLOB = '**/*.{csv,tsv,json,jsonl,ndjson}';
export const DATA_EXCLUDE = '**/{node_modules,.git,.genre-lens}/**';
