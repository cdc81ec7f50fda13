// `npm test`: typecheck, build the client, find a browser, then every test (unit, integration, e2e).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { findBrowser } from './find-browser.mjs';

function run(label, command, args, env = process.env) {
  console.log(`\n[test] ${label}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`[test] ${label} failed`);
    process.exit(result.status ?? 1);
  }
}

run('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
run('build', 'npx', ['vite', 'build', '--logLevel', 'warn']);
const chrome = findBrowser();
console.log(`[test] browser: ${chrome}`);
const results = 'test-results/vitest.json';
const outcome = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CHROME_PATH: chrome },
});
if (existsSync(results)) {
  const summary = JSON.parse(readFileSync(results, 'utf8'));
  console.log(`\ntests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed`);
}
process.exit(outcome.status ?? 1);
