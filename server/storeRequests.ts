// The daemon's requests about the model store itself (no model loaded for them): List Models (each folder's manifest,
// newest first) and Delete Old Models (the store's retention, with a dry run for the confirmation dialog).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { pruneStore } from './engine/modelStore';
import { readManifest } from './engine/modelFiles';
import { summarize } from './modelHost';
import { DaemonSettings, DeleteOldModelsResult, ModelSummary, Requests } from '../common/protocol';
import { checkParams, deleteOldModelsParams } from './requestSchemas';
import { DEFAULT_KEEP_MODELS } from './settings';

export function registerStoreRequests(connection: Connection, storeDir: () => string, settings: () => DaemonSettings): void {
  connection.onRequest(Requests.listModels, (): ModelSummary[] => {
    const dir = path.join(storeDir(), 'models');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((n) => !n.startsWith('.')).flatMap((n) => {
      try {
        return [summarize({ dir: path.join(dir, n), manifest: readManifest(path.join(dir, n)) })]; // the manifest only: no boosters here
      } catch {
        return [];
      }
    }).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  });

  connection.onRequest(Requests.deleteOldModels, (raw): DeleteOldModelsResult => {
    const params = checkParams(Requests.deleteOldModels.method, deleteOldModelsParams, raw);
    const keep = params.keep ?? settings().keepModels ?? DEFAULT_KEEP_MODELS;
    const store = storeDir();
    if (!fs.existsSync(path.join(store, 'models'))) return { store, keep, deleted: [], kept: [] }; // no model saved yet
    const r = pruneStore(store, { keep, dryRun: params.dryRun === true });
    return { store, keep, deleted: r.deleted, kept: r.kept };
  });
}
