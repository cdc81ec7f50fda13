// `npm test`: typecheck, lint, check the formatting, build the client, find a browser, then every test: unit and integration
// first, then end-to-end in Chromium (apart, so browser tests don't compete with crash tests for
// the CPU). Ends with one "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
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
run('lint', 'npx', ['eslint', '.']);
run('format', 'npx', ['prettier', '--check', '.']);
run('build', 'npx', ['vite', 'build', '--logLevel', 'warn']);
const chrome = findBrowser();
console.log(`[test] browser: ${chrome}`);

const extra = process.argv.slice(2);
const stages = [['unit', 'integration'], ['e2e']];
let passed = 0;
let failed = 0;
let status = 0;
for (const projects of stages) {
  const results = `test-results/vitest-${projects.join('-')}.json`;
  rmSync(results, { force: true });
  console.log(`\n[test] ${projects.join(' + ')} tests`);
  const outcome = spawnSync(
    'npx',
    [
      'vitest',
      'run',
      ...projects.flatMap((project) => ['--project', project]),
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${results}`,
      ...extra,
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, CHROME_PATH: chrome },
    },
  );
  if (existsSync(results)) {
    const summary = JSON.parse(readFileSync(results, 'utf8'));
    passed += summary.numPassedTests;
    failed += summary.numFailedTests;
  }
  if (outcome.status !== 0) status = outcome.status ?? 1;
}
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(status || (failed > 0 ? 1 : 0));
