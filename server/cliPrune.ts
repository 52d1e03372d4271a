// `genre-lens prune [store] [--keep <n>] [--dry-run] [--json]`: explicit cleanup of old models in a model store.
// It deletes only models the store saved itself, never the current model or one the user selected, and prints
// every folder it deleted (or, with --dry-run, would delete).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { parsePositiveInt } from './cliOptions';
import { DEFAULT_KEEP_MODELS, pruneStore, STORE_DIR } from './engine/modelStore';

/** The store a path names: the store itself, or a project folder holding `.genre-lens/`. */
function storeOf(p: string): string {
  const isStore = (d: string) => fs.existsSync(path.join(d, 'current.json')) || fs.existsSync(path.join(d, 'models'));
  const nested = path.join(p, STORE_DIR);
  return !isStore(p) && isStore(nested) ? nested : p;
}

export function addPruneCommand(program: Command): void {
  program.command('prune [store]').description(`delete old models from a model store (default: ./${STORE_DIR}); ` +
    'the current model and the ones selected by the user are always kept')
    .option('--keep <n>', 'how many of the newest models to keep', parsePositiveInt, DEFAULT_KEEP_MODELS)
    .option('--dry-run', 'only list what would be deleted')
    .option('--json', 'print one JSON object { store, dryRun, deleted, kept } on stdout')
    .action((store: string | undefined, f: { keep: number; dryRun?: boolean; json?: boolean }) => {
      const dir = storeOf(store ?? STORE_DIR);
      const r = pruneStore(dir, { keep: f.keep, dryRun: f.dryRun === true });
      if (f.json) {
        process.stdout.write(JSON.stringify({ store: path.resolve(dir), dryRun: f.dryRun === true, ...r }, null, 2) + '\n');
        return;
      }
      for (const d of r.deleted) process.stdout.write(`${f.dryRun ? 'would delete' : 'deleted'} ${d}\n`);
      process.stdout.write(`${r.deleted.length ? '' : 'Nothing to delete. '}${r.kept.length} model${r.kept.length === 1 ? '' : 's'} kept in ${path.resolve(dir)}.\n`);
    });
}
