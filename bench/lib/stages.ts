// Turns a training run's RunProgress events (with timestamps) and RSS samples into per-stage wall time, throughput
// and peak RSS, and counts the time work of one kind is in flight (poster decodes, ONNX inference) by wrapping the
// call that does it: the "busy" time is the union of the intervals with at least one call running.

export interface TimedEvent {
  /** Milliseconds since trainRun was called. */
  t: number;
  phase: string;
  done?: number;
  total?: number;
}

export interface Stage {
  seconds: number;
  /** Items per second (what an item is: `unit`), or null when the stage has no countable items. */
  throughput: number | null;
  unit: string | null;
  items: number | null;
  peakRssMB: number | null;
  /** Seconds from trainRun's call to the stage's first and last moment (stages may overlap when work runs concurrently). */
  from: number;
  to: number;
}

/** Phases whose events report work finished (done > 0): the time before such an event belongs to that phase. */
const PROGRESS_PHASES = new Set(['encoding text', 'encoding posters', 'training', 'comparing', 'downloading']);

/**
 * Each interval between consecutive events goes to the phase whose work it was: the next event's phase when that
 * event reports progress (done > 0), else the previous event's phase (a phase runs from its start event until the
 * next event). The interval after the last event (up to `endMs`) goes to the last event's phase.
 */
export function phaseSegments(events: readonly TimedEvent[], endMs: number): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  const add = (phase: string, a: number, b: number) => {
    if (b <= a) return;
    const list = out.get(phase) ?? [];
    out.set(phase, list);
    list.push([a, b]);
  };
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const next = events[i + 1];
    const end = next ? next.t : endMs;
    const owner = next && PROGRESS_PHASES.has(next.phase) && (next.done ?? 0) > 0 ? next.phase : e.phase;
    add(owner, e.t, end);
  }
  return out;
}

export function stageOf(segments: [number, number][] | undefined, samples: readonly { t: number; rss: number }[],
  items: number | null, unit: string | null): Stage | null {
  if (!segments || segments.length === 0) return null;
  const seconds = segments.reduce((s, [a, b]) => s + (b - a), 0) / 1000;
  let peak = 0;
  for (const s of samples) if (segments.some(([a, b]) => s.t >= a && s.t <= b)) peak = Math.max(peak, s.rss);
  return {
    seconds: Number(seconds.toFixed(3)),
    throughput: items !== null && seconds > 0 ? Number((items / seconds).toFixed(2)) : null,
    unit, items,
    peakRssMB: peak > 0 ? Number((peak / 2 ** 20).toFixed(1)) : null,
    from: Number((segments[0][0] / 1000).toFixed(3)),
    to: Number((segments[segments.length - 1][1] / 1000).toFixed(3)),
  };
}

/** The largest `total` reported for a phase (texts, posters, boosters). */
export function totalOf(events: readonly TimedEvent[], phase: string): number | null {
  const totals = events.filter((e) => e.phase === phase && e.total !== undefined).map((e) => e.total as number);
  return totals.length ? Math.max(...totals) : null;
}

/** Union-of-intervals busy time of calls of one kind, and how many items they handled. */
export class BusyMeter {
  private inFlight = 0;
  private since = 0;
  busyMs = 0;
  calls = 0;
  items = 0;
  firstMs: number | null = null;
  lastMs: number | null = null;

  constructor(private readonly t0: number) {}

  start(): void {
    const now = performance.now() - this.t0;
    this.firstMs ??= now;
    if (this.inFlight++ === 0) this.since = now;
  }

  end(items: number): void {
    const now = performance.now() - this.t0;
    this.lastMs = now;
    this.calls++;
    this.items += items;
    if (--this.inFlight === 0) this.busyMs += now - this.since;
  }

  /** Wraps `obj[key]` (a method returning a promise) so every call is metered; `count` gives the items of a call. */
  wrap<T extends object>(obj: T, key: string, count: (args: unknown[]) => number): void {
    const rec = obj as Record<string, unknown>;
    const original = rec[key] as (...a: unknown[]) => Promise<unknown>;
    const start = () => this.start();
    const end = (n: number) => this.end(n);
    rec[key] = function (this: unknown, ...args: unknown[]) {
      start();
      const n = count(args);
      return original.apply(this, args).finally(() => end(n));
    };
  }

  summary(unit: string): { busySeconds: number; items: number; unit: string; throughput: number | null; from: number | null; to: number | null } {
    const busySeconds = this.busyMs / 1000;
    return { busySeconds: Number(busySeconds.toFixed(3)), items: this.items, unit,
      throughput: busySeconds > 0 ? Number((this.items / busySeconds).toFixed(2)) : null,
      from: this.firstMs === null ? null : Number((this.firstMs / 1000).toFixed(3)),
      to: this.lastMs === null ? null : Number((this.lastMs / 1000).toFixed(3)) };
  }
}
