// Builds the DaemonSettings the extension sends the daemon from `WorkspaceConfiguration.inspect()` results (pure, no
// `vscode` import, so unit tests run it). Machine-scoped settings — those reaching the network or folders outside the
// workspace — are taken from the user's own settings only: a workspace's .vscode/settings.json never sets them.
import type { DaemonSettings } from '../common/protocol';

/** The parts of `vscode.WorkspaceConfiguration.inspect()` used here. */
export interface Inspected {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** Settings only the user (or the machine) may set; workspace and folder values are ignored. */
export const MACHINE_SETTINGS = [
  'modelsDirectory', 'imageModelUrl', 'modelStore', 'cacheDirectory', 'posterBaseUrl', 'prefetchPosters', 'allowPrivateNetwork',
  'posterRoots', 'hubUrl', 'downloadModels',
] as const;

/** Settings a workspace may set (they change how a model is trained, never what is read or where it is fetched from:
 * the encoders' download locations are the registry's or the user's hubUrl, and downloadModels is the user's). */
export const WORKSPACE_SETTINGS = ['textEncoder', 'imageEncoder', 'columns', 'seed', 'keepModels', 'inlayHints'] as const;

/** genreLens.diagnostics.* (any scope may set them: they only change what the Problems panel shows), sent as `diagnostics`. */
export const DIAGNOSTIC_SETTINGS = ['suspiciousLabels', 'maxPerFile', 'maxRows', 'datasetProblems'] as const;

/** The user's value (or the default) for a machine-scoped setting. */
export function machineValue(i: Inspected | undefined): unknown {
  return i?.globalValue ?? i?.defaultValue;
}

/** The effective value of a setting any scope may set: folder, then workspace, then user, then default. */
export function effectiveValue(i: Inspected | undefined): unknown {
  return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue ?? i?.defaultValue;
}

export interface SettingsContext {
  /** vscode.workspace.isTrusted */
  trusted: boolean;
  env: Record<string, string | undefined>;
  /** Cache folder when neither the setting nor GENRE_LENS_CACHE gives one (the extension's global storage). */
  defaultCache: string;
}

/** DaemonSettings from `inspect(key)` of each `genreLens.*` key. Values are passed as found; the daemon validates them. */
export function buildDaemonSettings(inspect: (key: string) => Inspected | undefined, ctx: SettingsContext): DaemonSettings {
  const raw: Record<string, unknown> = {};
  for (const key of MACHINE_SETTINGS) raw[key] = machineValue(inspect(key));
  for (const key of WORKSPACE_SETTINGS) raw[key] = effectiveValue(inspect(key));
  const diagnostics: Record<string, unknown> = {};
  for (const key of DIAGNOSTIC_SETTINGS) {
    const value = effectiveValue(inspect(`diagnostics.${key}`));
    if (value !== undefined) diagnostics[key] = value;
  }
  if (Object.keys(diagnostics).length) raw.diagnostics = diagnostics;
  const orUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);
  return {
    ...raw,
    modelsDirectory: orUndefined(raw.modelsDirectory) ?? orUndefined(ctx.env.GENRE_LENS_MODELS),
    imageModelUrl: orUndefined(raw.imageModelUrl),
    hubUrl: orUndefined(raw.hubUrl), // the daemon then uses $HF_ENDPOINT or https://huggingface.co
    modelStore: orUndefined(raw.modelStore),
    cacheDirectory: orUndefined(raw.cacheDirectory) ?? orUndefined(ctx.env.GENRE_LENS_CACHE) ?? ctx.defaultCache,
    posterBaseUrl: orUndefined(raw.posterBaseUrl),
    columns: raw.columns ?? {},
    trusted: ctx.trusted,
  } as DaemonSettings;
}
