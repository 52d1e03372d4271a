// Hostile cases about a blended model's fusion heads as untrusted input: damaged, missing, huge or special files under
// heads/, a head file leading outside the model folder, and manifest.json blend records that do not add up.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Case } from './case';
import { mkfifo, sparse, tinyCsv } from './generate';
import { currentModel } from './cases-store';

const predict = () => ['predict', '.genre-lens', 'data.csv', '--no-progress'];
const head = (d: string, name = 'linear.json') => path.join(currentModel(d), 'heads', name);

function editJson(file: string, edit: (v: Record<string, unknown>) => void): void {
  const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(v);
  fs.writeFileSync(file, JSON.stringify(v));
}

const manifestOf = (d: string) => path.join(currentModel(d), 'manifest.json');
const HEAD = /heads\/linear\.json/;

export const headCases: Case[] = [
  { name: 'head file of garbage text', files: (d) => void (tinyCsv(d), fs.writeFileSync(head(d), '\u0000{{{ not json')),
    args: predict, code: 1, message: HEAD },
  { name: 'truncated head file', files: (d) => {
    tinyCsv(d);
    const f = head(d);
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').slice(0, Math.floor(fs.statSync(f).size / 2)));
  }, args: predict, code: 1, message: HEAD },
  { name: 'head file missing', files: (d) => void (tinyCsv(d), fs.rmSync(head(d, 'tfidf.json'))), args: predict, code: 1,
    message: /heads\/tfidf\.json/ },
  { name: 'head file is a FIFO', files: (d) => void (tinyCsv(d), fs.rmSync(head(d)), mkfifo(head(d))), args: predict, code: 1,
    message: HEAD },
  { name: 'head file of 100 MB', files: (d) => void (tinyCsv(d), fs.rmSync(head(d)), sparse(head(d), 100 * 1024 * 1024, Buffer.from('{"a":'))),
    args: predict, code: 1, message: HEAD },
  { name: 'head file leading outside the model', files: (d) => {
    tinyCsv(d);
    fs.rmSync(head(d));
    fs.symlinkSync(path.join(d, 'data.csv'), head(d));
  }, args: predict, code: 1, message: /heads\/linear\.json[^]*(outside|refused)/i },
  { name: 'head weights of the wrong length', files: (d) => {
    tinyCsv(d);
    editJson(head(d), (v) => {
      const nets = v.nets as Record<string, unknown>[] | undefined;
      if (nets?.[0]) nets[0].W2 = Buffer.alloc(12).toString('base64');
      else v.nets = 'nonsense';
    });
  }, args: predict, code: 1, message: HEAD },
  { name: 'head weights holding NaN', files: (d) => {
    tinyCsv(d);
    editJson(head(d), (v) => {
      const nets = v.nets as Record<string, string>[];
      const b = Buffer.from(nets[0].W1, 'base64');
      b.writeFloatLE(NaN, 0);
      nets[0].W1 = b.toString('base64');
    });
  }, args: predict, code: 1, message: HEAD },
  { name: 'blend weights not summing to 1', files: (d) => void (tinyCsv(d), editJson(manifestOf(d), (m) => {
    (m.blend as { components: { weight: number }[] }).components[0].weight = 0.99;
  })), args: predict, code: 1, message: /manifest\.json[^]*blend/ },
  { name: 'blend naming an unknown head', files: (d) => void (tinyCsv(d), editJson(manifestOf(d), (m) => {
    (m.blend as { components: { name: string }[] }).components[1].name = '../../evil';
  })), args: predict, code: 1, message: /manifest\.json[^]*blend/ },
];
