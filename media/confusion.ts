// The report's per-genre confusion matrices (Observable Plot cells), each cell a keyboard-reachable button: clicking
// TP/FP/FN/TN of a genre lists the evaluation rows behind it in the panel under the grid (media/rows.ts), and a row's
// title opens it in the data file. Text from the data goes in through textContent or Plot's text marks only.
import * as Plot from '@observablehq/plot';
import type { Report } from '../common/modelTypes';
import { el } from './dom';
import { evalRowsTable, rowsPanel, selectionNotes, type OpenRow } from './rows';
import { confusionRows, evaluationFile, type Cell } from './rowSelect';

const CELL_TEXT: Record<Cell, string> = { TP: 'true positives', FP: 'false positives', FN: 'false negatives', TN: 'true negatives' };

/** The grid of matrices and, under it, the rows panel. `chart` prepares a Plot node for the page (its style nonce). */
export function confusionSection(r: Report, chart: (n: SVGSVGElement | HTMLElement) => Node, open: OpenRow): Node {
  const grid = el('div', { className: 'grid confusion' });
  let selected: Element | null = null;
  const panel = rowsPanel('Rows of the chosen confusion-matrix cell', () => {
    selected?.classList.remove('selected');
    selected = null;
  });
  const file = evaluationFile(r);
  const pick = (g: number, cell: Cell, n: number, rect: Element) => {
    selected?.classList.remove('selected');
    selected = rect;
    rect.classList.add('selected');
    const sel = confusionRows(r, g, cell);
    const { heading, notes } = selectionNotes(sel, `${r.genres[g]} — ${cell} (${CELL_TEXT[cell]})`, file, n);
    panel.show(heading, notes, sel.unavailable ? null : evalRowsTable(sel.items, r.genres[g], file, open));
  };
  r.genres.forEach((g, i) => {
    const [[tn, fp], [fn, tp]] = r.metrics.confusion[i];
    const cells: { actual: string; predicted: string; n: number; cell: Cell }[] = [
      { actual: 'no', predicted: 'no', n: tn, cell: 'TN' }, { actual: 'no', predicted: 'yes', n: fp, cell: 'FP' },
      { actual: 'yes', predicted: 'no', n: fn, cell: 'FN' }, { actual: 'yes', predicted: 'yes', n: tp, cell: 'TP' }];
    const max = Math.max(tn, fp, fn, tp, 1);
    const plot = Plot.plot({
      width: 170, height: 150, marginLeft: 44, marginBottom: 32, padding: 0.04,
      x: { label: 'predicted', domain: ['no', 'yes'] }, y: { label: 'actual', domain: ['no', 'yes'] },
      color: { type: 'sqrt', scheme: 'blues', domain: [0, max] },
      marks: [Plot.cell(cells, { x: 'predicted', y: 'actual', fill: 'n', inset: 0.5, className: 'cm-cell',
        ariaLabel: (d: { n: number; cell: Cell }) => `${g}: ${d.cell} (${CELL_TEXT[d.cell]}), ${d.n} row${d.n === 1 ? '' : 's'}; list them` }),
      Plot.text(cells, { x: 'predicted', y: 'actual', text: (d: { n: number }) => String(d.n), fill: (d: { n: number }) => (d.n > max * 0.45 ? 'white' : 'black'), fontSize: 13 })],
    });
    // Plot draws the cells in data order; each becomes a button (click, Enter, Space).
    plot.querySelectorAll('g.cm-cell rect').forEach((rect, k) => {
      const c = cells[k];
      if (!c) return;
      rect.setAttribute('role', 'button');
      rect.setAttribute('tabindex', '0');
      rect.setAttribute('data-cell', c.cell);
      rect.setAttribute('data-genre', g);
      rect.addEventListener('click', () => pick(i, c.cell, c.n, rect));
      rect.addEventListener('keydown', (e) => {
        const key = (e as KeyboardEvent).key;
        if (key !== 'Enter' && key !== ' ') return;
        e.preventDefault();
        pick(i, c.cell, c.n, rect);
      });
    });
    grid.append(el('figure', {}, el('figcaption', { text: g }), chart(plot)));
  });
  return el('div', {}, el('p', { className: 'muted', text: 'Click a cell (or Tab to it and press Enter) to list its evaluation rows.' }), grid, panel.node);
}
