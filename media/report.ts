// The report webview's script: draws a model's report.json — run facts, a sortable classification report, components,
// per-genre confusion matrices, the modality ablation (pending while it runs), genre co-occurrence and precision–recall
// curves — with Observable Plot. Every string from the data goes in through textContent or Plot's text marks, never as HTML.
import * as Plot from '@observablehq/plot';
import type { Report } from '../common/modelTypes';
import { ablationNote, ablationSummary, componentsTable } from './comparison';
import { confusionSection } from './confusion';
import { el, pct } from './dom';
import { labelIssuesSection } from './labelIssues';
import { evalRowsTable, rowsPanel, selectionNotes, type OpenRow } from './rows';
import { evaluationFile, genreRows } from './rowSelect';

interface VsCodeApi {
  postMessage(m: unknown): void;
  getState(): { report: Report; model: string | null } | undefined;
  setState(s: { report: Report; model: string | null }): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const nonce = (document.currentScript as HTMLScriptElement | null)?.nonce ?? '';
const app = document.getElementById('app') as HTMLElement;

/** Plot adds <style> elements; under the CSP they need the page's nonce before they are attached. */
function chart(node: SVGSVGElement | HTMLElement): Node {
  node.querySelectorAll('style').forEach((s) => s.setAttribute('nonce', nonce));
  if (node instanceof HTMLStyleElement) node.setAttribute('nonce', nonce);
  return node;
}

/** The webview never opens files itself: it asks the extension, which opens only the report's own data files. */
const openRow: OpenRow = (file, line) => vscode.postMessage({ type: 'openRow', file, line });

const section = (title: string, ...children: Node[]) => el('section', {}, el('h2', { text: title }), ...children);

function facts(r: Report): Node {
  const run = r.run;
  const ev = run.evaluation.kind === 'file' ? `file ${run.evaluation.path} (${run.evaluation.rows} rows)` : `${Math.round(run.evaluation.fraction * 100)}% held out, stratified (${run.evaluation.rows} rows)`;
  const overlap = run.evaluation.kind === 'file' ? run.evaluation.overlap : undefined;
  const leak = overlap ? `; ${overlap.sameFile ? 'the training file itself, ' : ''}${overlap.rows} rows also in training: metrics are optimistic` : '';
  const rows: [string, string][] = [
    ['Dataset', run.dataset.path], ['Rows', `${run.dataset.rows} (${run.dataset.trainRows} for training, ${run.dataset.unlabeledRows} without genres)`],
    ['Evaluation', ev + leak],
    ['Posters missing', `${run.posters.missingTrain} training rows, ${run.posters.missingEval} evaluation rows`],
    ['Seed', String(run.seed)], ['Training time', `${run.trainingSeconds.toFixed(1)} s`], ['Trained', new Date(run.createdAt).toLocaleString()],
  ];
  const dl = el('dl', { className: 'facts' });
  for (const [k, v] of rows) dl.append(el('dt', { text: k }), el('dd', { text: v }));
  return dl;
}

type Encoder = Report['run']['encoders']['text'];
/** The encoders as recorded (a report.json written elsewhere may lack them: it is checked only structurally). */
const encodersOf = (r: Report): Partial<Report['run']['encoders']> => r.run.encoders ?? {};
const REFERENCE = { text: 'all-MiniLM-L6-v2', poster: 'ImageNet MobileNetV2' };

/** Which encoders the model used: id, revision (or version), dimension, where the weights came from, and fallbacks marked. */
function encoderTable(r: Report): Node {
  const { text, image } = encodersOf(r);
  const head = el('tr', {}, ...['', 'encoder', 'revision / version', 'dim', 'weights from', ''].map((t) => el('th', { text: t })));
  const row = (role: string, e: Encoder | null | undefined) => {
    if (!e) {
      const none = el('td', { text: e === null ? 'none (text only)' : 'not recorded', className: 'muted' });
      none.colSpan = 5;
      return el('tr', {}, el('th', { text: role }), none);
    }
    const mark = e.fallback ? el('span', { className: 'badge warn', text: '⚠ fallback' }) : el('span', { className: 'muted', text: 'as chosen' });
    return el('tr', { className: e.fallback ? 'fallback' : '' }, el('th', { text: role }), el('td', { text: e.id }),
      el('td', { text: e.revision ?? e.version, className: 'mono' }), el('td', { text: String(e.dim), className: 'num' }),
      el('td', { text: e.source, className: 'source' }), el('td', {}, mark));
  };
  return el('table', { className: 'report compact encoders' }, el('thead', {}, head), el('tbody', {}, row('text', text), row('poster', image)));
}

/** A banner above everything when a fallback encoder stood in for the chosen one (null otherwise). */
function fallbackBanner(r: Report): Node | null {
  const { text, image } = encodersOf(r);
  const used = [...(text?.fallback ? [`${text.id} instead of ${REFERENCE.text}`] : []), ...(image?.fallback ? [`${image.id} instead of ${REFERENCE.poster}`] : [])];
  if (!used.length) return null;
  return el('p', { className: 'banner warn', text: `⚠ Trained with a fallback encoder: ${used.join('; ')}, so these results are below ` +
    'what the method reaches (unless it was chosen, the warnings at the end say why the reference encoder could not be had). ' +
    'Allow the download (a trusted workspace, genreLens.downloadModels, the network or genreLens.hubUrl) or put the files in ' +
    'genreLens.modelsDirectory, then train again.' });
}

type Col = { key: string; label: string; num: boolean };
function reportTable(r: Report): Node {
  const m = r.metrics;
  const cols: Col[] = [{ key: 'genre', label: 'genre', num: false }, { key: 'precision', label: 'precision', num: true },
    { key: 'recall', label: 'recall', num: true }, { key: 'f1', label: 'F1', num: true }, { key: 'support', label: 'support', num: true },
    { key: 'threshold', label: 'threshold', num: true }];
  let rows = m.perLabel.map((l, i) => ({ genre: l.label, precision: l.precision, recall: l.recall, f1: l.f1, support: l.support, threshold: r.thresholds[i] }));
  const genreIndex = new Map(m.perLabel.map((l, i) => [l.label, i]));
  const panel = rowsPanel('Evaluation rows of the chosen genre');
  const file = evaluationFile(r);
  const pick = (genre: string) => {
    const g = genreIndex.get(genre) ?? -1;
    const sel = genreRows(r, g);
    const { heading, notes } = selectionNotes(sel, `${genre}: labelled or predicted`, file, null);
    panel.show(heading, notes, sel.unavailable ? null : evalRowsTable(sel.items, genre, file, openRow));
  };
  const genreButton = (genre: string) => {
    const b = el('button', { text: genre, className: 'link' });
    b.type = 'button';
    b.setAttribute('aria-label', `${genre}: list its evaluation rows`);
    b.addEventListener('click', () => pick(genre));
    return b;
  };
  let sortKey = 'genre';
  let asc = true;
  const table = el('table', { className: 'report' });
  const thead = el('thead');
  const tbody = el('tbody');
  const tfoot = el('tfoot');
  const fmt = (c: Col, v: string | number) => (typeof v === 'number' ? (c.key === 'support' ? String(v) : pct(v)) : v);
  const render = () => {
    tbody.replaceChildren(...rows.map((row) => el('tr', {}, ...cols.map((c) => (c.key === 'genre' ? el('td', {}, genreButton(row.genre))
      : el('td', { text: fmt(c, row[c.key as keyof typeof row]), className: c.num ? 'num' : '' }))))));
    thead.querySelectorAll('th').forEach((th, i) => th.setAttribute('aria-sort', cols[i].key === sortKey ? (asc ? 'ascending' : 'descending') : 'none'));
  };
  thead.append(el('tr', {}, ...cols.map((c) => {
    const th = el('th', { text: c.label, className: c.num ? 'num' : '' });
    th.tabIndex = 0;
    const sort = () => {
      asc = sortKey === c.key ? !asc : !c.num;
      sortKey = c.key;
      rows = [...rows].sort((a, b) => {
        const x = a[c.key as keyof typeof a];
        const y = b[c.key as keyof typeof b];
        const d = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return asc ? d : -d;
      });
      render();
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && sort());
    return th;
  })));
  const avg = (name: string, a: Report['metrics']['micro']) => el('tr', {}, el('th', { text: name }), el('td', { text: pct(a.precision), className: 'num' }),
    el('td', { text: pct(a.recall), className: 'num' }), el('td', { text: pct(a.f1), className: 'num' }), el('td', { text: String(a.support), className: 'num' }), el('td'));
  tfoot.append(avg('micro avg', m.micro), avg('macro avg', m.macro), avg('weighted avg', m.weighted), avg('samples avg', m.samples),
    el('tr', {}, el('th', { text: 'subset accuracy' }), el('td'), el('td'), el('td', { text: pct(m.subsetAccuracy), className: 'num' }), el('td', { text: String(m.nSamples), className: 'num' }), el('td')),
    el('tr', {}, el('th', { text: 'Hamming loss' }), el('td'), el('td'), el('td', { text: pct(m.hammingLoss), className: 'num' }), el('td'), el('td')));
  table.append(thead, tbody, tfoot);
  render();
  return el('div', {}, table, panel.node);
}

function ablationChart(r: Report): Node {
  const variants = (['both', 'text', 'poster'] as const).filter((k) => r.ablation[k]);
  const data = variants.flatMap((v) => r.genres.map((g, i) => ({ genre: g, model: v === 'both' ? 'text + poster' : `${v} only`, f1: r.ablation[v]?.perGenreF1[i] ?? 0 })));
  const note = ablationNote(r); // pending (it lands after the model), cancelled, failed, skipped
  const summary = ablationSummary(r);
  if (variants.length < 2) return el('div', {}, ...(note ? [note] : []), summary); // nothing to compare (yet)
  return el('div', {}, ...(note ? [note] : []), summary, chart(Plot.plot({
    width: 820, height: Math.max(240, r.genres.length * 3 * 9 + 60), marginLeft: 120, x: { label: 'F1 on evaluation rows', domain: [0, 1], grid: true },
    y: { label: null, domain: ['text + poster', 'text only', 'poster only'] }, fy: { label: null, domain: r.genres, axis: 'left' }, color: { legend: true, domain: ['text + poster', 'text only', 'poster only'] },
    marks: [Plot.barX(data, { x: 'f1', y: 'model', fy: 'genre', fill: 'model', tip: true }), Plot.axisY({ ticks: [] }), Plot.ruleX([0])],
  })));
}

function cooccurrenceChart(r: Report): Node {
  // Only trained genres have a row (an untrained genre's row is empty).
  const shown = r.genres.flatMap((g, i) => (r.cooccurrence[i]?.length ? [{ g, i }] : []));
  const names = shown.map((s) => s.g);
  const data = shown.flatMap((a) => shown.map((b) => ({ a: a.g, b: b.g, n: r.cooccurrence[a.i][b.i] ?? 0 })));
  const max = data.reduce((m, d) => Math.max(m, d.n), 1);
  return chart(Plot.plot({
    width: 640, height: 600, marginLeft: 120, marginBottom: 110, x: { label: null, tickRotate: -45, domain: names }, y: { label: null, domain: names },
    color: { type: 'sqrt', scheme: 'blues', legend: true, label: 'training rows with both genres' },
    marks: [Plot.cell(data, { x: 'b', y: 'a', fill: 'n', tip: true }),
      Plot.text(names.length <= 20 ? data : [], { x: 'b', y: 'a', text: (d: { n: number }) => (d.n ? String(d.n) : ''), fontSize: 8,
        fill: (d: { n: number }) => (Math.sqrt(d.n) > Math.sqrt(max) * 0.55 ? 'white' : 'black') })],
  }));
}

function prCurves(r: Report): Node {
  const grid = el('div', { className: 'grid' });
  r.genres.forEach((g, i) => {
    const pts = r.prCurves[i];
    if (!pts.length) return;
    const t = r.thresholds[i];
    // The operating point: the curve point whose threshold is the smallest one at or above the chosen threshold.
    const op = pts.filter((p) => p.threshold !== null && p.threshold >= t).sort((a, b) => (a.threshold ?? 0) - (b.threshold ?? 0))[0];
    grid.append(el('figure', {}, el('figcaption', { text: `${g} (threshold ${t.toFixed(2)})` }), chart(Plot.plot({
      width: 200, height: 170, marginLeft: 36, x: { label: 'recall', domain: [0, 1] }, y: { label: 'precision', domain: [0, 1] }, grid: true,
      marks: [Plot.line(pts, { x: 'recall', y: 'precision', stroke: 'var(--vscode-charts-blue, steelblue)', curve: 'step-before' }),
        ...(op ? [Plot.dot([op], { x: 'recall', y: 'precision', r: 4, fill: 'var(--vscode-charts-red, crimson)' })] : [])],
    }))));
  });
  return grid;
}

function render(report: Report | null, model: string | null): void {
  if (!report) {
    app.replaceChildren(el('h1', { text: 'Genre Report' }), el('p', { text: 'No genre model yet: run “Genre Lens: Train Genre Model on CSV…”.' }));
    return;
  }
  const exportButtons = el('div', { className: 'toolbar' });
  for (const format of ['html', 'json'] as const) {
    const b = el('button', { text: `Export ${format.toUpperCase()}` });
    b.addEventListener('click', () => vscode.postMessage({ type: 'export', format, html: format === 'html' ? standaloneHtml() : undefined }));
    exportButtons.append(b);
  }
  app.replaceChildren(
    el('header', {}, el('h1', { text: 'Genre Report' }), exportButtons),
    el('p', { className: 'muted', text: model ?? '' }),
    ...[fallbackBanner(report)].filter((n): n is Node => n !== null),
    section('Run', facts(report)),
    section('Encoders', encoderTable(report)),
    section('Classification report', el('p', { className: 'muted', text: 'Click a column to sort, a genre to list its evaluation rows. Each genre has its own threshold, chosen on out-of-fold predictions of the training rows.' }), reportTable(report)),
    section('Suspicious labels', labelIssuesSection(report, openRow)),
    ...(report.components?.length ? [section('Components: each part alone and the blend', componentsTable(report.components))] : []),
    section('Text vs poster (LightGBM alone): F1 per genre', ablationChart(report)),
    section('Confusion matrices (rows: actual, columns: predicted)', confusionSection(report, chart, openRow)),
    section('Precision–recall per genre (dot: chosen threshold)', prCurves(report)),
    section('Genre co-occurrence in the training rows', cooccurrenceChart(report)),
  );
  if (report.run.warnings.length) {
    app.append(section('Warnings', el('ul', {}, ...report.run.warnings.slice(0, 50).map((w) => el('li', { text: w })))));
  }
}

/** The page as a static HTML file: current DOM and styles, no scripts. */
function standaloneHtml(): string {
  const css = [...document.styleSheets].map((s) => {
    try {
      return [...s.cssRules].map((r) => r.cssText).join('\n');
    } catch {
      return '';
    }
  }).join('\n');
  const theme = getComputedStyle(document.documentElement);
  const vars = ['--vscode-foreground', '--vscode-editor-background', '--vscode-font-family', '--vscode-charts-blue', '--vscode-charts-red',
    '--vscode-panel-border', '--vscode-descriptionForeground', '--vscode-button-background', '--vscode-button-foreground',
    '--vscode-editorWarning-foreground', '--vscode-inputValidation-warningBackground', '--vscode-editor-font-family']
    .map((v) => `${v}: ${theme.getPropertyValue(v)};`).join(' ');
  const body = app.cloneNode(true) as HTMLElement;
  // Buttons do nothing in a static page: those naming something (a genre, a row's title, a count) become their text.
  body.querySelectorAll('button').forEach((b) => (b.classList.contains('link') ? b.replaceWith(b.textContent ?? '') : b.remove()));
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Genre Report</title><style>:root { ${vars} }\n${css}</style></head>` +
    `<body>${body.outerHTML}</body></html>`;
}

window.addEventListener('message', (e: MessageEvent<{ type: string; report: Report | null; model: string | null }>) => {
  if (e.data?.type !== 'report') return;
  vscode.setState({ report: e.data.report as Report, model: e.data.model });
  render(e.data.report, e.data.model);
});

const saved = vscode.getState();
if (saved) render(saved.report, saved.model);
vscode.postMessage({ type: 'ready' });
