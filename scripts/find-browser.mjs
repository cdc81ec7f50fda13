// Finds a Chromium for the end-to-end tests: CHROME_PATH, then /usr/bin/chromium, then a
// Playwright-installed one; if none, installs one and says so. Prints the path.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function playwrightChromium() {
  const cache = path.join(os.homedir(), '.cache', 'ms-playwright');
  if (!existsSync(cache)) return null;
  for (const dir of readdirSync(cache)
    .filter((name) => name.startsWith('chromium'))
    .sort()
    .reverse()) {
    for (const candidate of ['chrome-linux/chrome', 'chrome-linux64/chrome']) {
      const full = path.join(cache, dir, candidate);
      if (existsSync(full)) return full;
    }
  }
  return null;
}

export function findBrowser({ install = true, log = console.error } = {}) {
  if (process.env.CHROME_PATH && existsSync(process.env.CHROME_PATH)) return process.env.CHROME_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  const fromPlaywright = playwrightChromium();
  if (fromPlaywright) return fromPlaywright;
  if (!install) return null;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    log("[test] no Chromium found: installing Debian's chromium with apt-get (once)…");
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', {
      stdio: 'inherit',
    });
    if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  }
  log('[test] no Chromium found: running `npx playwright install chromium`…');
  execSync('npx --yes playwright install chromium', { stdio: 'inherit' });
  const installed = playwrightChromium();
  if (installed) return installed;
  throw new Error('no Chromium could be found or installed; set CHROME_PATH to a Chromium or Chrome binary');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(findBrowser());
