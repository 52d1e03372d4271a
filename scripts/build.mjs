// Bundles the extension client, the daemon/CLI, its workers and the report webview with esbuild into dist/, and
// copies the LightGBM wasm beside them. Server-side npm packages stay external (native and wasm files load from node_modules).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import { serverEntries } from './buildEntries.mjs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
await esbuild.build({ ...common, entryPoints: serverEntries, outdir: 'dist/server', packages: 'external' });
await esbuild.build({ ...common, entryPoints: { extension: 'client/extension.ts' }, outdir: 'dist/client', external: ['vscode'] });
// The report webview's script runs in the browser: bundled whole (Observable Plot included), no network at run time.
await esbuild.build({ ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: { report: 'media/report.ts' },
  outdir: 'dist/media', minify: true });
fs.copyFileSync('media/report.css', 'dist/media/report.css');
for (const f of ['lib_lightgbm.js', 'lib_lightgbm.wasm']) fs.copyFileSync(`server/engine/lightgbm/${f}`, `dist/server/${f}`);
fs.chmodSync('dist/server/cli.js', 0o755);
