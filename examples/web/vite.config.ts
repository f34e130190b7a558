import { defineConfig } from 'vite';

// The server serves the built app at /app/ (WEB_APP_DIR). In development
// (npm run dev) Vite proxies the API to a server on localhost:8080.
const api = process.env.SOCRATES_URL ?? 'http://localhost:8080';

export default defineConfig({
  base: '/app/',
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', sourcemap: true, assetsInlineLimit: 0 },
  server: {
    proxy: {
      '/query': { target: api, ws: true, changeOrigin: true },
      '/projects': { target: api, changeOrigin: true },
    },
  },
});
