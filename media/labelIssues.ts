// The report's "Suspicious labels" section: training rows whose labelled genres the model's out-of-fold probabilities
// strongly doubt (a labelled genre it confidently rejects, or a genre it confidently sees that is not labelled), with
// counts per genre — a count lists that genre's entries — and the ranked list; a title opens the row in the dataset.
import type { Report } from '../common/modelTypes';
import { el } from './dom';
import { issueRowsTable, rowsPanel, type OpenRow } from './rows';
import { issuesFor, labelIssuesOf } from './rowSelect';

/** A count that is a button listing the entries it counts (plain text when zero). */
function countButton(n: number, label: string, onPick: () => void): Node {
  if (n <= 0) return document.createTextNode('0');
  const b = el('button', { text: String(n), className: 'link count' });
  b.type = 'button';
  b.setAttribute('aria-label', `${n} ${label}: list them`);
  b.addEventListener('click', onPick);
  return b;
}

export function labelIssuesSection(r: Report, open: OpenRow): Node {
  const li = labelIssuesOf(r);
  if (!li) {
    return el('p', { className: 'muted', text: 'This report is from an older version of Genre Lens, which did not check the labels: ' +
      'train again to see the rows whose genres look wrong.' });
  }
  const file = r.run.dataset.path;
  const panel = rowsPanel('Suspicious labels listed');
  const list = (genre: string | null, kind: 'doubted' | 'missing' | null) => {
    const items = issuesFor(li, genre, kind);
    const what = genre === null ? 'All suspicious labels' : `${genre}: ${kind === 'doubted' ? 'labelled, but the model doubts it'
      : kind === 'missing' ? 'not labelled, but the model sees it' : 'doubted or missing'}`;
    panel.show(`${what}: ${items.length} row${items.length === 1 ? '' : 's'}`,
      [`Rows of ${file}, most suspicious first. Click a title to open the row.`], issueRowsTable(items, file, open));
  };
  const summary = el('p', { text: `${li.total} row${li.total === 1 ? '' : 's'} with suspicious labels among the ${li.checked} checked` +
    (li.rows.length < li.total ? ` (the ${li.rows.length} most suspicious are listed)` : '') + '.' });
  const explain = el('p', { className: 'muted', text: 'From the out-of-fold probabilities of the training rows (each row predicted by ' +
    'models that never saw it): "doubted" is a labelled genre the model confidently rejects, "missing" a genre it confidently ' +
    'sees that is not labelled. Score: 0–1, higher is more suspicious. The same rows appear as diagnostics in the data file.' });
  const all = el('button', { text: 'List all', className: 'more' });
  all.type = 'button';
  all.addEventListener('click', () => list(null, null));
  const perGenre = li.perGenre.filter((p) => p.doubted + p.missing > 0).sort((a, b) => b.doubted + b.missing - (a.doubted + a.missing));
  const table = el('table', { className: 'report compact issues-per-genre' },
    el('thead', {}, el('tr', {}, el('th', { text: 'genre' }), el('th', { text: 'doubted', className: 'num' }), el('th', { text: 'missing', className: 'num' }))),
    el('tbody', {}, ...perGenre.map((p) => {
      const name = el('button', { text: p.genre, className: 'link' });
      name.type = 'button';
      name.setAttribute('aria-label', `${p.genre}: list its suspicious labels`);
      name.addEventListener('click', () => list(p.genre, null));
      return el('tr', {}, el('td', {}, name),
        el('td', { className: 'num' }, countButton(p.doubted, `rows labelled ${p.genre} that the model doubts`, () => list(p.genre, 'doubted'))),
        el('td', { className: 'num' }, countButton(p.missing, `rows missing ${p.genre} by the model's account`, () => list(p.genre, 'missing'))));
    })));
  if (!li.rows.length) return el('div', {}, summary, explain);
  const body = el('div', {}, summary, explain, el('div', { className: 'toolbar left' }, all), table, panel.node);
  list(null, null); // the ranked list, open from the start
  return body;
}
