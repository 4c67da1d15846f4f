import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the API under /admin in production (built assets); `pnpm --filter @batchreel/admin dev`
// for development.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
});
