import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

// The Content-Security-Policy in index.html forbids inline scripts. In the dev
// server only, React Fast Refresh injects an inline preamble script, so the
// policy is relaxed there; production builds keep the strict policy as written.
function relaxCspForDevServer(): Plugin {
  return {
    name: 'chartkeep:dev-csp',
    apply: 'serve',
    transformIndexHtml: {
      order: 'pre',
      handler: (html) => html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
    },
  };
}

export default defineConfig(({ mode }) => ({
  plugins: [react(), relaxCspForDevServer()],
  build: {
    // The mock build renders the UI against a fake backend for screenshots; it
    // goes to its own folder so it is never embedded in the Wails binary.
    outDir: mode === 'mock' ? 'dist-mock' : 'dist',
    emptyOutDir: true,
    // Paths are relative to the frontend folder, where every script runs.
    rolldownOptions: { input: mode === 'mock' ? 'mock.html' : 'index.html' },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    mockReset: true,
    // Far from the -05:00 offsets of the test records, so a date shifted into
    // the viewer's zone would show; an English locale for the wording.
    env: { TZ: 'Asia/Tokyo', LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' },
  },
}));
