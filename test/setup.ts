// Preloaded by `npm run test:unit` (node --import ./test/setup.ts): unit and integration tests never download encoders
// from the internet — MiniLM and ImageNet MobileNetV2 come only from a models folder or the cache, else the bundled
// ones stand in — so they are offline and deterministic. A test that exercises downloads unsets GENRE_LENS_OFFLINE for its child.
process.env.GENRE_LENS_OFFLINE ??= '1';
