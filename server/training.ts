// One training in the daemon, apart from the LSP wiring (server.ts) so that its flow is testable with a simulated job:
// progress as the status shows it, the moment the model is saved (then it is served and the train request answers),
// and the text-only/poster-only comparison that follows until the job ends (cancel then stops only the comparison).
import type { AblationStatus } from '../common/modelTypes';
import type { ComparisonProgress } from '../common/protocol';
import type { RunProgress } from './engine/engineOptions';
import { comparisonPercent, JobCancelled, percentOf, progressMessage, type RunningJob } from './jobs';
import type { TrainJobResult } from './jobWorker';

/** The saved model as the train request answers with it; `comparison` is 'pending' while the comparison still runs. */
export interface SavedModel {
  dir: string;
  warnings: string[];
  comparison: AblationStatus;
}

/** How the comparison ended ('failed': `message` says why). */
export interface ComparisonOutcome {
  status: AblationStatus;
  message?: string;
}

/** A download reports every chunk: a few a second are passed on (and its last one). */
const DOWNLOAD_REPORT_MS = 250;

export class Training {
  /** The run's overall percent (rising) and what it does now, e.g. `encoding text 120/500`. */
  percent = 0;
  phase = 'starting';
  /** 'model' until the saved model is served (`serving()`), then 'comparing' until the job ends. */
  stage: 'model' | 'comparing' = 'model';
  comparison: ComparisonProgress = { percent: 0, phase: progressMessage({ phase: 'comparing' }) };
  /** The job's end, once it has ended (set before `outcome()` settles). */
  final: ComparisonOutcome | null = null;
  private cancelled = false;
  private job: RunningJob<TrainJobResult> | null = null;
  private ended: Promise<TrainJobResult> | null = null;
  private savedDir: string | null = null;
  private readonly warnings: string[] = [];
  private succeeded = false;
  private lastReport = 0;
  private markSaved: (dir: string) => void = () => undefined;
  private readonly savedSignal = new Promise<string>((resolve) => (this.markSaved = resolve));

  /** Records a progress; false when it is not worth passing on (a download's chunk within DOWNLOAD_REPORT_MS). */
  progress(p: RunProgress, now = Date.now()): boolean {
    if (p.phase === 'comparing') {
      this.comparison = { percent: comparisonPercent(p), phase: progressMessage(p) };
      return true;
    }
    if (p.phase === 'saved' && p.detail && this.savedDir === null) {
      this.savedDir = p.detail;
      this.markSaved(p.detail);
    }
    if (p.phase === 'downloading' && p.done !== p.total && now - this.lastReport < DOWNLOAD_REPORT_MS) return false;
    this.lastReport = now;
    this.percent = Math.max(this.percent, percentOf(p)); // rising: loading encoders resumes after its downloads
    this.phase = progressMessage(p);
    return true;
  }

  /** A warning of the run, returned with the saved model. */
  warning(message: string): void {
    this.warnings.push(message);
  }

  /** The model is saved: progress 'saved' came, or the job succeeded. */
  get isSaved(): boolean {
    return this.savedDir !== null || this.succeeded;
  }

  /** Follows `job`; `after` runs once it has ended, whatever the outcome (e.g. releasing a terminated worker's store lock). */
  attach(job: RunningJob<TrainJobResult>, after: () => void): void {
    this.job = job;
    this.ended = job.result.finally(after);
    this.ended.then((r) => {
      this.succeeded = true;
      this.final = { status: r.comparison };
    }, (e: unknown) => (this.final = outcomeOf(e)));
    if (this.cancelled) job.cancel();
  }

  /** Before the model is saved: cancels the training. After: stops the comparison; the model stays. */
  cancel(): void {
    this.cancelled = true;
    this.job?.cancel();
  }

  /**
   * The saved model: at 'saved' ('pending': the comparison follows), or when the job ends (no comparison, or an engine
   * that does not say 'saved'). Rejects as the job does when it ends before a model is saved (JobCancelled if cancelled).
   */
  saved(): Promise<SavedModel> {
    if (!this.ended) throw new Error('no job attached');
    const atEnd = this.ended.then((r) => ({ dir: r.modelDir, warnings: r.warnings, comparison: r.comparison }));
    const atSaved = this.savedSignal.then((dir): SavedModel => ({ dir, warnings: [...this.warnings], comparison: 'pending' }));
    return Promise.race([atSaved, atEnd]);
  }

  /** The saved model is served: from now on this training is its comparison (unless the job has ended already). */
  serving(): void {
    this.stage = 'comparing';
  }

  /** How the comparison ended, once the job has ended (never rejects). */
  async outcome(): Promise<ComparisonOutcome> {
    if (!this.ended) throw new Error('no job attached');
    await this.ended.catch(() => undefined);
    return this.final as ComparisonOutcome;
  }
}

/** A job that failed after its model was saved: the comparison was cancelled (also a terminated worker) or failed. */
function outcomeOf(e: unknown): ComparisonOutcome {
  if (e instanceof JobCancelled) return { status: 'cancelled' };
  return { status: 'failed', message: e instanceof Error ? e.message : String(e) };
}

/** The comparisons this daemon saw end, by model folder (a few): a report a terminated job left 'pending' is shown as it ended. */
export class ComparisonsEnded {
  private readonly ended = new Map<string, AblationStatus>();

  constructor(private readonly max = 20) {}

  record(dir: string, status: AblationStatus): void {
    this.ended.delete(dir);
    this.ended.set(dir, status);
    if (this.ended.size > this.max) this.ended.delete(this.ended.keys().next().value as string);
  }

  /** The report's comparison status, corrected when it says 'pending' but its comparison here ended otherwise. */
  statusOf(dir: string, reported: AblationStatus | undefined): AblationStatus | undefined {
    const ended = this.ended.get(dir);
    return reported === 'pending' && ended && ended !== 'done' ? ended : reported;
  }
}
