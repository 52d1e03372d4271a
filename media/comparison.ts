// The report's comparisons: the components table (each head alone and the blend, which is the model) and the
// text-only/poster-only summary, whose rows say "pending…" while that comparison runs after the model was saved, and
// "cancelled", "failed" or "skipped" when it did not run to the end. Text from the data goes in through textContent.
import type { AblationStatus, ComponentEntry, Report } from '../common/modelTypes';
import { el, pct } from './dom';

/** The comparison's status: an older report without one had it done. */
export const ablationStatusOf = (r: Report): AblationStatus => r.ablationStatus ?? 'done';

const STATUS_TEXT: Record<AblationStatus, string> = {
  pending: 'pending…',
  done: '', skipped: 'skipped', cancelled: 'cancelled', failed: 'failed',
};

/** What is said above the summary when the comparison is not done, or null. */
export function ablationNote(r: Report): Node | null {
  const status = ablationStatusOf(r);
  if (status === 'done') return null;
  const why: Record<Exclude<AblationStatus, 'done'>, string> = {
    pending: 'The text-only and poster-only models are being fitted after the model was saved; this section fills in when they land.',
    skipped: 'The text-only and poster-only models were not fitted for this model (skipped, or there were no posters).',
    cancelled: 'The text-only and poster-only comparison was cancelled; the model itself is complete.',
    failed: 'The text-only and poster-only comparison failed; the model itself is complete (the log says why).',
  };
  return el('p', { className: `muted ablation-status ${status}`, text: why[status] });
}

const VARIANTS = ['both', 'text', 'poster'] as const;
const variantName = (v: (typeof VARIANTS)[number]) => (v === 'both' ? 'text + poster' : `${v} only`);

/** The summary table: one row per model; a variant still missing says why (pending…, cancelled, failed, skipped). */
export function ablationSummary(r: Report): HTMLTableElement {
  const status = ablationStatusOf(r);
  const rows = VARIANTS.flatMap((v) => {
    const a = r.ablation[v];
    if (a) {
      return [el('tr', {}, el('td', { text: variantName(v) }),
        ...[a.micro.f1, a.macro.f1, a.samples.f1, a.subsetAccuracy].map((x) => el('td', { text: pct(x ?? 0), className: 'num' })))];
    }
    if (status === 'done') return [];
    const cell = el('td', { text: STATUS_TEXT[status], className: `muted status ${status}` });
    cell.colSpan = 4;
    return [el('tr', { className: status }, el('td', { text: variantName(v) }), cell)];
  });
  return el('table', { className: 'report compact ablation' },
    el('thead', {}, el('tr', {}, ...['model', 'micro-F1', 'macro-F1', 'samples-F1', 'subset accuracy'].map((t) => el('th', { text: t })))),
    el('tbody', {}, ...rows));
}

/** Each component scored alone on the evaluation rows, and the blend (the model), highlighted. */
export function componentsTable(components: readonly ComponentEntry[]): Node {
  const head = ['component', 'weight', 'micro-F1', 'macro-F1', 'samples-F1', 'subset accuracy'];
  const rows = components.map((c) => el('tr', { className: c.name === 'blend' ? 'blend' : '' },
    el('td', { text: c.name === 'blend' ? 'blend (the model)' : c.name }), el('td', { text: c.weight.toFixed(2), className: 'num' }),
    ...[c.micro.f1, c.macro.f1, c.samples.f1, c.subsetAccuracy].map((x) => el('td', { text: pct(x), className: 'num' }))));
  return el('div', {},
    el('p', { className: 'muted', text: 'Each component alone on the evaluation rows, at its own thresholds chosen on out-of-fold ' +
      'predictions of the training rows; the blend combines them with these weights and is what the model predicts.' }),
    el('table', { className: 'report compact components' }, el('thead', {}, el('tr', {}, ...head.map((t, i) => el('th', { text: t, className: i ? 'num' : '' })))),
      el('tbody', {}, ...rows)));
}
