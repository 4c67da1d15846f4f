import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The API the dev server forwards to (`pnpm start` / `pnpm --filter @batchreel/api start`).
const api = 'http://localhost:3000';

// Served by the API under /admin in production (built assets); `pnpm --filter @batchreel/admin dev`
// for development, with the API's tRPC endpoint and the CSV export proxied so cookies stay
// same-origin.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  server: {
    proxy: {
      '/trpc': api,
      '/admin/export': api,
    },
  },
});
