// Bundles the extension client, the daemon/CLI and the LightGBM worker with esbuild into dist/, and copies the
// LightGBM wasm beside them. Server-side npm packages stay external (native and wasm files load from node_modules).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
const serverEntries = {
  cli: 'server/cli.ts',
  server: 'server/server.ts',
  'job-worker': 'server/jobWorker.ts',
  'lightgbm-worker': 'server/engine/lightgbm/worker.ts',
};
await esbuild.build({ ...common, entryPoints: serverEntries, outdir: 'dist/server', packages: 'external' });
if (fs.existsSync('client/extension.ts')) {
  await esbuild.build({ ...common, entryPoints: { extension: 'client/extension.ts' }, outdir: 'dist/client', external: ['vscode'] });
}
for (const f of ['lib_lightgbm.js', 'lib_lightgbm.wasm']) fs.copyFileSync(`server/engine/lightgbm/${f}`, `dist/server/${f}`);
fs.chmodSync('dist/server/cli.js', 0o755);
