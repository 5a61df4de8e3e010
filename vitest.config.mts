import swc from 'unplugin-swc';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// SWC instead of esbuild: NestJS dependency injection needs emitDecoratorMetadata.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      '@omnigate/contracts': fileURLToPath(new URL('libs/contracts/src', import.meta.url)),
      '@omnigate/adapters': fileURLToPath(new URL('libs/adapters/src', import.meta.url)),
    },
  },
  test: {
    include: [
      'apps/**/*.{spec,int-spec,e2e-spec}.ts',
      'libs/**/*.{spec,int-spec}.ts',
      'test/**/*.{spec,int-spec,e2e-spec}.ts',
    ],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
