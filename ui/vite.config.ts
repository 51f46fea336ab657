import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'

// The Tauri window loads ui/dist (tauri.conf.json build.frontendDist); `npm run dev` serves the
// same screens in a browser, where the Tauri commands are not available.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  // Vitest mounts the screens in jsdom: Svelte's browser build, not its server one.
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  build: {
    // WebKitGTK / WKWebView (Linux, macOS) and WebView2 (Windows).
    target: ['es2021', 'safari15', 'chrome105'],
  },
})
