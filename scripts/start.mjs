// `npm start`: builds what is missing or older than its sources (the client with vite, the server
// with esbuild), then runs the compiled server in this very process, so signals reach it directly.
// `npm run waymark -- …` (this script with --cli first) runs the compiled command line instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');

/** The newest modification time of any file under these folders (or files). */
function newest(...entries) {
  let latest = 0;
  const visit = (entry) => {
    if (!existsSync(entry)) return;
    const stat = statSync(entry);
    if (stat.isDirectory())
      for (const name of readdirSync(entry)) {
        if (name !== 'node_modules') visit(path.join(entry, name));
      }
    else latest = Math.max(latest, stat.mtimeMs);
  };
  for (const entry of entries) visit(path.join(root, entry));
  return latest;
}

const built = (file) => (existsSync(path.join(root, file)) ? statSync(path.join(root, file)).mtimeMs : 0);

const cli = process.argv[2] === '--cli';
if (cli) process.argv.splice(2, 1);

if (
  !cli &&
  built('dist/client/index.html') < newest('client', 'shared', 'vite.config.ts', 'package-lock.json')
) {
  console.log('[waymark] building the client…');
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}
if (
  Math.min(built('dist/server/main.js'), built('dist/server/cli.js')) <
  newest('server', 'shared', 'migrations', 'package-lock.json')
) {
  console.log('[waymark] compiling the server…');
  const { buildServer } = await import('./build-server.mjs');
  await buildServer();
}
await import(pathToFileURL(path.join(root, cli ? 'dist/server/cli.js' : 'dist/server/main.js')).href);
