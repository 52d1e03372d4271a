// Renders the extension's icon, scripts/icon.svg, to images/icon.png (128×128, as the Marketplace wants) with sharp.
// Reproducible: the same SVG and sharp version give the same bytes (no metadata, fixed PNG settings).
// Run `node scripts/make-icon.mjs` after editing the SVG, and commit both files.
import * as fs from 'node:fs';
import sharp from 'sharp';

const svg = fs.readFileSync(new URL('./icon.svg', import.meta.url));
fs.mkdirSync(new URL('../images/', import.meta.url), { recursive: true });
const png = await sharp(svg, { density: 72 }).resize(128, 128).png({ compressionLevel: 9, adaptiveFiltering: false, palette: false }).toBuffer();
fs.writeFileSync(new URL('../images/icon.png', import.meta.url), png);
const { width, height } = await sharp(png).metadata();
console.log(`images/icon.png: ${width}×${height}, ${png.length} bytes`);
