// Builds the web console and the permissions explorer into dist/web; `npm install` runs it
// (the `prepare` script), so a user never builds by hand. Everything is bundled: no CDN, and
// the output has no inline script, so the strict Content-Security-Policy holds.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  // Preact's JSX runtime in place of React's.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Browsers that run ES2022 preload modules themselves; the polyfill would be an inline script.
    modulePreload: { polyfill: false },
    // Fonts and images stay files: data: URLs in CSS are fine, but keep one way of loading.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
