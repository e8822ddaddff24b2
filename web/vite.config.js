// vite.config.js: the web face is built into dist/, which `pingan serve --web` serves.
// Element Plus components are imported where a template uses them (with their CSS), so
// the bundle holds only what the pages use; templates are compiled here, so the browser
// runs Vue's runtime-only build under a CSP without 'unsafe-eval'. sw/plugin.js adds the
// service worker (dist/sw.js) that keeps this build's files for pages opened offline.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import serviceWorker from './sw/plugin.js'

export default defineConfig({
  plugins: [vue(), Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }), serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // no inline <script> and no data: module preload polyfill: the CSP allows 'self' only
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
})
