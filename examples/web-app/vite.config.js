// Build: `npm run build` → dist/ (index.html + assets), served by examples/payment-api at `/`,
// which also answers `/config.json` (runtime config: nothing about where logs go is baked in).
// Dev: `npm run dev` proxies /api and /config.json to a running payment-api (PAYMENT_API_URL).
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const api = process.env.PAYMENT_API_URL ?? 'http://127.0.0.1:8001';

export default defineConfig({
  plugins: [svelte()],
  base: './',
  // not minified: stack traces keep function names, which the ingest service stores as
  // function_name (a demo app; a production build would minify and keep source maps)
  build: { outDir: 'dist', sourcemap: true, emptyOutDir: true, minify: false },
  server: {
    proxy: { '/api': api, '/config.json': api },
  },
});
