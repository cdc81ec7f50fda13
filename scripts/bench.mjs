// `npm run bench`: compiles the bench with the server's own build settings (scripts/build-server.mjs)
// into dist/bench and runs it on plain Node, so the figures are those of the code `npm start` runs,
// not of TypeScript transpiled on the fly.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { serverBuildOptions } from './build-server.mjs';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist/bench');
await build({
  ...serverBuildOptions,
  entryPoints: {
    run: 'bench/run.ts',
    'load-ingest': 'bench/load-ingest.ts',
    'load-rate': 'bench/load-rate.ts',
    'smtp-sink': 'bench/smtp-sink.ts',
  },
  outdir,
});
mkdirSync(outdir, { recursive: true });
copyFileSync(
  path.join(root, 'server/channels/template-worker.mjs'),
  path.join(outdir, 'template-worker.mjs'),
);
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', path.join(outdir, 'run.js'), ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
