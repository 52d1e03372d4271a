// Checks of what the package ships beside the code: every command a walkthrough step or the welcome view links to is
// contributed, the walkthrough's pictures draw with theme colours in a way VS Code's media page allows (no `style`
// attributes: its Content Security Policy drops them, which painted every shape black), and the README's pictures exist.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
const steps: { id: string; description: string; media: { svg?: string; image?: string } }[] = pkg.contributes.walkthroughs.flatMap((w: { steps: unknown[] }) => w.steps);

test('walkthrough steps and welcome views link only to commands that exist', () => {
  const texts = [...steps.map((s) => s.description), ...pkg.contributes.viewsWelcome.map((v: { contents: string }) => v.contents)];
  const linked = texts.flatMap((t) => [...t.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]));
  assert.ok(linked.length >= 6, `links found: ${linked.join(', ')}`);
  for (const c of linked) assert.ok(contributed.has(c) || /^workbench\./.test(c), `${c} is linked but not contributed`);
});

test('each walkthrough picture exists, is an <svg>, and colours with theme variables in presentation attributes', () => {
  for (const s of steps) {
    const file = s.media.svg ?? s.media.image;
    assert.ok(file, `${s.id} has a picture`);
    const svg = fs.readFileSync(path.join(REPO, file), 'utf8');
    assert.match(svg, /<svg[\s>]/, file);
    assert.doesNotMatch(svg, /\sstyle\s*=/, `${file}: a style attribute (dropped by the walkthrough's CSP)`);
    assert.doesNotMatch(svg, /<style[\s>]|<script[\s>]/, `${file}: a <style> or <script> element`);
    assert.match(svg, /fill="var\(--vscode-[\w-]+, #[0-9a-f]{3,6}\)"/i, `${file}: theme colours with a fallback`);
  }
});

test("the README's pictures are PNG files in docs/screenshots", () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const pictures = [...readme.matchAll(/!\[([^\]]*)\]\(([^)\s]+)\)/g)].map((m) => ({ alt: m[1], link: m[2] }));
  assert.ok(pictures.length >= 3, 'the hover, the report and the walkthrough at least');
  for (const { alt, link } of pictures) {
    assert.ok(alt.length > 10, `${link} has alt text`);
    assert.match(link, /^docs\/screenshots\/[\w-]+\.png$/);
    const png = fs.readFileSync(path.join(REPO, link));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', `${link} is a PNG`);
    assert.ok(png.readUInt32BE(16) >= 200 && png.readUInt32BE(20) >= 100, `${link} is a real screenshot`);
  }
});
