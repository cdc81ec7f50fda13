// Compiles the server to JavaScript in dist/server (esbuild: one ES module per entry point, the
// packages in node_modules left to Node, source maps for stack traces). `npm start` runs the result
// with plain Node; tsx is for development and tests only.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist/server');

/** How server code is compiled, here and for the bench (scripts/bench.mjs). */
export const serverBuildOptions = {
  absWorkingDir: root,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // No keepNames: it wraps every function made at run time in a naming call, a cost on each
  // closure of each step. Errors carry their names themselves (`this.name = …`).
  keepNames: false,
  outExtension: { '.js': '.js' },
};

export async function buildServer() {
  await build({
    ...serverBuildOptions,
    entryPoints: { main: 'server/main.ts', cli: 'server/cli.ts' },
    outdir,
  });
  // The template threads load this file by its path next to the code.
  mkdirSync(outdir, { recursive: true });
  copyFileSync(
    path.join(root, 'server/channels/template-worker.mjs'),
    path.join(outdir, 'template-worker.mjs'),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildServer();
  console.log('[build] server compiled to dist/server');
}
