// The rows list of the report webview: the evaluation rows behind a confusion-matrix cell or a genre, or the
// suspicious-label entries of a genre, shown in a panel next to what was clicked. Each title is a button that asks the
// extension to open the data file at that row (it opens only the report's own dataset or evaluation file). Text from
// the data goes in through textContent only.
import { el } from './dom';
import type { LabelIssueView, RowItem, Selection } from './rowSelect';

/** Asks the extension to open `file` at 1-based `line`. */
export type OpenRow = (file: string, line: number) => void;

/** How many rows are added per "Show more". */
export const PAGE = 100;

const names = (xs: readonly string[] | null) => (xs === null ? 'not recorded' : xs.length ? xs.join(', ') : '—');
const prob = (p: number) => p.toFixed(3);

/** A button that opens the row: the title, with the line for screen readers. */
function titleButton(title: string, line: number, file: string, open: OpenRow): HTMLButtonElement {
  const b = el('button', { text: title || '(untitled)', className: 'link' });
  b.type = 'button';
  b.title = `Open line ${line} of ${file}`;
  b.setAttribute('aria-label', `${title || 'untitled'}, line ${line}: open in the editor`);
  b.addEventListener('click', () => open(file, line));
  return b;
}

/** Table rows appended a page at a time, with a "Show more" button while some are left. */
function paged<T>(items: readonly T[], head: string[], row: (x: T) => HTMLTableRowElement, className: string): HTMLElement {
  const tbody = el('tbody');
  const more = el('button', { className: 'more' });
  more.type = 'button';
  let shown = 0;
  const next = () => {
    const add = items.slice(shown, shown + PAGE);
    tbody.append(...add.map(row));
    shown += add.length;
    const left = items.length - shown;
    more.textContent = `Show ${Math.min(left, PAGE)} more (${left} not shown)`;
    more.hidden = left <= 0;
  };
  more.addEventListener('click', next);
  const table = el('table', { className: `report compact rows ${className}` },
    el('thead', {}, el('tr', {}, ...head.map((t) => el('th', { text: t, className: /^(line|score|P\()/.test(t) ? 'num' : '' })))), tbody);
  next();
  return el('div', {}, table, more);
}

const CELL_NAMES = { TP: 'true positive', FP: 'false positive', FN: 'false negative', TN: 'true negative' } as const;

/** The evaluation rows of a selection, with the probability of `genre`. */
export function evalRowsTable(items: readonly RowItem[], genre: string, file: string, open: OpenRow): HTMLElement {
  const withCell = items.some((it) => it.cell !== null);
  const head = ['line', 'title', 'labelled genres', 'predicted genres', `P(${genre})`, ...(withCell ? ['outcome'] : [])];
  return paged(items, head, (it) => el('tr', {}, el('td', { text: String(it.line), className: 'num' }),
    el('td', {}, titleButton(it.title, it.line, file, open)), el('td', { text: names(it.labelled) }), el('td', { text: names(it.predicted) }),
    el('td', { text: prob(it.probability), className: 'num' }),
    ...(withCell ? [el('td', { text: it.cell ? `${it.cell} (${CELL_NAMES[it.cell]})` : '' })] : [])), 'eval-rows');
}

const genreList = (xs: readonly { genre: string; probability: number }[]) => (xs.length ? xs.map((x) => `${x.genre} ${prob(x.probability)}`).join(', ') : '—');

/** Suspicious-label entries, most suspicious first. */
export function issueRowsTable(items: readonly LabelIssueView[], file: string, open: OpenRow): HTMLElement {
  const head = ['score', 'title', 'line', 'labelled', 'doubted (P)', 'missing (P)', 'suggested'];
  return paged(items, head, (x) => el('tr', {}, el('td', { text: x.score.toFixed(3), className: 'num' }),
    el('td', {}, titleButton(x.title, x.line, file, open)), el('td', { text: String(x.line), className: 'num' }),
    el('td', { text: names(x.labelled) }), el('td', { text: genreList(x.doubted), className: 'doubted' }),
    el('td', { text: genreList(x.missing), className: 'missing' }), el('td', { text: names(x.suggested) })), 'issue-rows');
}

/** The panel a list is shown in; `show` replaces what it showed and brings it into view. */
export interface RowsPanel {
  node: HTMLElement;
  show(heading: string, notes: readonly string[], content: Node | null): void;
  clear(): void;
}

export function rowsPanel(label: string, onClose: () => void = () => undefined): RowsPanel {
  const node = el('div', { className: 'rows-panel' });
  node.setAttribute('role', 'region');
  node.setAttribute('aria-label', label);
  node.setAttribute('aria-live', 'polite');
  node.hidden = true;
  const clear = () => {
    node.replaceChildren();
    node.hidden = true;
  };
  return {
    node,
    clear,
    show(heading, notes, content) {
      const close = el('button', { text: 'Close', className: 'close' });
      close.type = 'button';
      close.addEventListener('click', () => {
        clear();
        onClose();
      });
      node.replaceChildren(el('div', { className: 'rows-head' }, el('h3', { text: heading }), close),
        ...notes.map((n) => el('p', { className: 'muted note', text: n })), ...(content ? [content] : []));
      node.hidden = false;
      node.scrollIntoView?.({ block: 'nearest' });
    },
  };
}

/** The heading and notes for a selection of evaluation rows. */
export function selectionNotes(sel: Selection, what: string, file: string, expected: number | null): { heading: string; notes: string[] } {
  const notes: string[] = [];
  if (sel.unavailable) return { heading: what, notes: [sel.unavailable] };
  if (!sel.exact) {
    notes.push('This report is from an older version of Genre Lens that did not record the evaluation rows\' genres: only the ' +
      'model\'s side is listed (its predictions), not which rows are right. Train again for the exact rows.');
  } else if (expected !== null && expected !== sel.items.length) {
    notes.push(`The metrics count ${expected} rows here; ${sel.items.length} were recorded.`);
  }
  notes.push(`Rows of ${file}, most probable first. Click a title to open the row.`);
  return { heading: `${what}: ${sel.items.length} row${sel.items.length === 1 ? '' : 's'}`, notes };
}
