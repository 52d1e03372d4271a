// Writes the cached feature matrix of a dataset's training rows (no evaluation rows) to a folder, for probing model
// choices on training rows only: X.f32 (rows × cols float32), labels.u8 (genre-major), meta.json (layout, genres, texts).
//   node --import tsx bench/dumpFeatures.ts <train.csv> <eval.csv> <outDir>
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labelColumns } from '../server/engine/split';
import { trainEvalFeatures } from '../server/engine/trainFeatures';
import { trainingRows } from '../server/engine/trainingRows';
import { rowText } from '../server/engine/features';

async function main(): Promise<void> {
  const [data, evalFile, out] = process.argv.slice(2);
  const options = { data, evalFile, modelsDir: process.env.GENRE_LENS_MODELS };
  const rows = await trainingRows(options, () => undefined);
  const f = await trainEvalFeatures(options, rows.trainRows, rows.evalRows, (m) => console.error(m), () => undefined);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'X.f32'), Buffer.from(f.train.X.buffer, f.train.X.byteOffset, f.train.X.byteLength));
  const labels = labelColumns(rows.trainRows, rows.genres);
  fs.writeFileSync(path.join(out, 'labels.u8'), Buffer.concat(labels.map((l) => Buffer.from(l))));
  fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify({ nrow: f.train.nrow, ncol: f.layout.total, layout: f.layout,
    genres: rows.genres, encoders: f.encoders, texts: rows.trainRows.map(rowText) }));
  console.error(`wrote ${f.train.nrow} × ${f.layout.total} to ${out}`);
}
void main();
