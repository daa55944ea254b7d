/**
 * Build of the web app: `npx vite build --config web/vite.config.ts` → web/dist, served by
 * Fastify. `npx vite --config web/vite.config.ts` is a dev server that sends /api to the API
 * (LECTERN_API, default http://127.0.0.1:3000).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { serviceWorker } from './sw/plugin.ts';
import { precompress } from './precompress.ts';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = process.env.LECTERN_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: webRoot,
  base: '/',
  publicDir: false,
  plugins: [svelte({ configFile: false }), serviceWorker(), precompress()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // Hashed file names: the server can cache /assets/* forever.
    assetsDir: 'assets',
    sourcemap: false,
    reportCompressedSize: true,
    // hls.js (full ~580 kB raw, light ~360 kB) is two lazy chunks of the player route only, by design.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
});
