// `genre-lens cache info|clear [--cache <dir>] [--json]`: what the embedding store holds (path, entries per encoder,
// bytes, its cap, old `.bin` files of earlier versions) and removing it. `clear` asks nothing: it removes only the
// store's own files (and the old `.bin` files), never anything else in the folder, and names each one.
import type { Command } from 'commander';
import { cacheInfo, clearCache, type CacheInfo } from './engine/cacheAdmin';
import { DEFAULT_MAX_MB } from './engine/embeddingStore';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function infoText(i: CacheInfo): string {
  const lines = [`Embedding cache: ${i.file}`];
  if (i.state === 'absent') lines.push('  empty (no store yet: the next training or prediction creates it)');
  else if (i.state === 'unusable') lines.push(`  not usable: ${i.problem}`, '  runs recompute embeddings; `genre-lens cache clear` resets it');
  else {
    lines.push(`  ${i.entries} entries, ${mb(i.countedBytes)} counted against the cap, file ${mb(i.fileBytes)}`);
    for (const e of i.encoders) {
      const name = e.id ? `${e.kind ?? '?'} ${e.id}${e.version ? ` ${e.version}` : ''}${e.dim ? ` (${e.dim}-d)` : ''}` : `encoder ${e.key}`;
      lines.push(`  ${String(e.entries).padStart(8)} entries ${mb(e.bytes).padStart(10)}  ${name}${e.undecodable ? ` (${e.undecodable} undecodable)` : ''}`);
    }
  }
  lines.push(`  cap ${mb(i.capBytes)} (${i.capFrom === 'default' ? `default ${DEFAULT_MAX_MB} MB; set GENRE_LENS_CACHE_MAX_MB to change it` : 'GENRE_LENS_CACHE_MAX_MB'}); least recently used entries go first`);
  if (i.legacy.length) {
    lines.push(`Old embedding files of earlier versions (no longer read; \`genre-lens cache clear\` removes them): ${i.legacy.length}, ` +
      mb(i.legacy.reduce((n, l) => n + l.bytes, 0)));
    for (const l of i.legacy) lines.push(`  ${l.file}`);
  }
  return lines.join('\n') + '\n';
}

export function addCacheCommand(program: Command): void {
  const cache = program.command('cache').description('the embedding cache: `info` shows what it holds, `clear` empties it');
  const common = (cmd: Command) => cmd
    .option('--cache <dir>', 'cache folder (default: $GENRE_LENS_CACHE or ~/.cache/genre-lens)')
    .option('--json', 'print one JSON object on stdout');
  common(cache.command('info').description('path, entries per encoder, bytes and the size cap of the embedding cache'))
    .action((f: { cache?: string; json?: boolean }) => {
      const i = cacheInfo(f.cache);
      process.stdout.write(f.json ? JSON.stringify(i, null, 2) + '\n' : infoText(i));
    });
  common(cache.command('clear').description('empty the embedding cache (a damaged one is removed), and remove old .bin cache files'))
    .action(async (f: { cache?: string; json?: boolean }) => {
      const r = await clearCache(f.cache);
      if (f.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        if (r.emptied) process.stdout.write(`emptied ${r.emptied} (the file stays: LMDB reuses its space, and running processes may have it open)\n`);
        for (const x of r.removed) process.stdout.write(`removed ${x.file} (${mb(x.bytes)})\n`);
        for (const x of r.left) process.stdout.write(`left ${x.file}: ${x.why}\n`);
        if (!r.removed.length && !r.left.length && !r.emptied) process.stdout.write(`Nothing to remove in ${r.dir}.\n`);
        else if (!r.left.length) process.stdout.write(`Embedding cache cleared (${mb(r.removed.reduce((n, x) => n + x.bytes, 0))}).\n`);
      }
      if (r.left.length) throw new Error(`${r.left.length} file(s) with the cache's names were left in ${r.dir} (see above)`);
    });
}
