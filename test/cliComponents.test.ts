// The CLI's components output: the text table printed after the classification report (each head alone, the blend
// marked as the model) and the `components` list of --json; nothing printed, and [] in JSON, for a model without them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Report } from '../common/modelTypes';
import { componentsJson, componentsText } from '../server/cli';

const avg = (f1: number) => ({ precision: f1, recall: f1, f1, support: 7 });
const component = (name: string, weight: number, f1: number) => ({ name, weight, micro: avg(f1), macro: avg(f1 - 0.1), samples: avg(f1 - 0.01), subsetAccuracy: 0.25 });
const withComponents = { components: [component('lightgbm', 0.5, 0.64), component('linear', 0.3, 0.61), component('tfidf', 0.2, 0.59),
  component('blend', 1, 0.662)] } as unknown as Report;

test('the components table: one line per component, the blend named as the model, aligned columns', () => {
  const lines = componentsText(withComponents).split('\n');
  assert.equal(lines[0], '', 'a blank line before the table');
  assert.match(lines[1], /^component\s+weight\s+micro-F1\s+macro-F1\s+samples-F1$/);
  assert.match(lines[2], /^lightgbm\s+0\.50\s+0\.640\s+0\.540\s+0\.630$/);
  assert.match(lines[5], /^blend \(model\)\s+1\.00\s+0\.662\s+0\.562\s+0\.652$/);
  assert.equal(new Set(lines.slice(1, 6).map((l) => l.length)).size, 1, 'columns line up');
  assert.equal(componentsText({} as Report), '');
});

test('--json components: every component with its weight and averages; [] without components', () => {
  const json = componentsJson(withComponents);
  assert.equal(json.length, 4);
  assert.deepEqual(json[3], { name: 'blend', weight: 1, micro: avg(0.662), macro: avg(0.662 - 0.1), samples: avg(0.662 - 0.01), subsetAccuracy: 0.25 });
  assert.deepEqual(componentsJson({} as Report), []);
});
