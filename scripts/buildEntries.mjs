// What scripts/build.mjs bundles into dist/ (shared with scripts/checkPackage.mjs, which asserts each VSIX holds every
// bundle: a worker missing from a VSIX would only fail when the daemon first starts that thread).
export const serverEntries = {
  cli: 'server/cli.ts',
  server: 'server/server.ts',
  'job-worker': 'server/jobWorker.ts',
  'predict-worker': 'server/predictWorker.ts',
  'parse-worker': 'server/parseWorker.ts',
  'lightgbm-worker': 'server/engine/lightgbm/worker.ts',
  'use-lite-worker': 'server/engine/encoders/useLiteWorker.ts',
};

/** Every file the packaged extension runs from dist/. */
export const distFiles = [
  ...Object.keys(serverEntries).map((name) => `dist/server/${name}.js`),
  'dist/server/lib_lightgbm.js', 'dist/server/lib_lightgbm.wasm', 'dist/client/extension.js', 'dist/media/report.js', 'dist/media/report.css',
];
