// Hostile cases about a model's training.json (held-out probabilities for label issues) as untrusted input: garbage,
// truncated, huge, wrong lengths, non-finite numbers, a link leading outside, a FIFO. The model still predicts (only
// `issues` reads the file), and `issues` fails with a message naming training.json and the field.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Case } from './case';
import { mkfifo, sparse, tinyCsv } from './generate';
import { currentModel } from './cases-store';

const issues = () => ['issues', '.genre-lens', 'data.csv', '--no-progress'];
const record = (d: string) => path.join(currentModel(d), 'training.json');
const TRAINING = /training\.json/;

function editRecord(d: string, edit: (v: { rows: { proba: number[] }[]; thresholds: { positive: number[] } }) => void): void {
  const v = JSON.parse(fs.readFileSync(record(d), 'utf8')) as Parameters<typeof edit>[0];
  edit(v);
  fs.writeFileSync(record(d), JSON.stringify(v));
}

export const trainingCases: Case[] = [
  { name: 'training.json of garbage text: issues names it', files: (d) => void (tinyCsv(d), fs.writeFileSync(record(d), '\u0000{{{ not json')),
    args: issues, code: 1, message: /training\.json:\d+:\d+: not valid JSON/ },
  { name: 'training.json of garbage text: the model still predicts', files: (d) => void (tinyCsv(d), fs.writeFileSync(record(d), '\u0000{{{ not json')),
    args: () => ['predict', '.genre-lens', 'data.csv', '--no-progress'], code: 0, absent: TRAINING },
  { name: 'truncated training.json', files: (d) => {
    tinyCsv(d);
    const text = fs.readFileSync(record(d), 'utf8');
    fs.writeFileSync(record(d), text.slice(0, Math.floor(text.length / 2)));
  }, args: issues, code: 1, message: TRAINING },
  { name: 'training.json of 100 MB', files: (d) => void (tinyCsv(d), fs.rmSync(record(d)), sparse(record(d), 100 * 1024 * 1024, Buffer.from('{"rows":['))),
    args: issues, code: 1, message: /training\.json: 100 MB, more than the 64 MB/ },
  { name: 'training.json with a row of the wrong length', files: (d) => void (tinyCsv(d), editRecord(d, (v) => v.rows[3].proba.pop())),
    args: issues, code: 1, message: /training\.json: rows\.3\.proba: expected \d+ probabilities/ },
  { name: 'training.json with thresholds of the wrong length', files: (d) => void (tinyCsv(d), editRecord(d, (v) => v.thresholds.positive.push(0.5))),
    args: issues, code: 1, message: /training\.json: thresholds\.positive: expected \d+ thresholds/ },
  { name: 'training.json holding NaN', files: (d) => {
    tinyCsv(d);
    fs.writeFileSync(record(d), fs.readFileSync(record(d), 'utf8').replace(/"proba":\[[0-9.]+/, '"proba":[NaN'));
  }, args: issues, code: 1, message: /training\.json:\d+:\d+: not valid JSON/ },
  { name: 'training.json holding an infinite probability', files: (d) => {
    tinyCsv(d);
    fs.writeFileSync(record(d), fs.readFileSync(record(d), 'utf8').replace(/"proba":\[[0-9.]+/, '"proba":[1e999'));
  }, args: issues, code: 1, message: /training\.json: rows\.0\.proba\.0/ },
  { name: 'training.json leading outside the model', files: (d) => {
    tinyCsv(d);
    fs.copyFileSync(record(d), path.join(d, 'elsewhere.json'));
    fs.rmSync(record(d));
    fs.symlinkSync(path.join(d, 'elsewhere.json'), record(d));
  }, args: issues, code: 1, message: /training\.json: leads outside the model folder; refused/ },
  { name: 'training.json is a FIFO', files: (d) => void (tinyCsv(d), fs.rmSync(record(d)), mkfifo(record(d))), args: issues, code: 1,
    message: /training\.json: not a regular file/ },
  { name: 'training.json missing (an older model): issues says to train again', files: (d) => void (tinyCsv(d), fs.rmSync(record(d))),
    args: issues, code: 1, message: /training\.json: not found: the model was saved before/ },
];
