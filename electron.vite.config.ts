// electron-vite builds three bundles into out/: the main process, the preload, and the renderer.
// (build/ is electron-builder's resources folder, so nothing is emitted there.) In `npm run dev` the
// window loads the renderer's dev server, which forwards the admin API to the gateway the main process
// starts (TOLLGATE_PORT, else 8787), so the page and its API share an origin as they do when the
// gateway serves the built dashboard itself.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'electron/main.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'electron/preload.ts') },
        // A sandboxed preload cannot load ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'renderer'),
    plugins: [react()],
    server: {
      // changeOrigin: the gateway checks that the Host header names it (DNS rebinding), and the dev server's does not.
      proxy: { '/api': { target: `http://127.0.0.1:${process.env.TOLLGATE_PORT || 8787}`, changeOrigin: true } },
    },
    build: {
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      rollupOptions: { input: resolve(import.meta.dirname, 'renderer/index.html') },
    },
  },
});
