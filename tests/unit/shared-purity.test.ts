// shared/ must stay importable by the client: it may import zod and itself, nothing that does IO.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('shared/ is pure', () => {
  it('imports only zod and other shared/ modules', () => {
    const shared = path.resolve(import.meta.dirname, '../../shared');
    const offenders: string[] = [];
    for (const file of files(shared)) {
      for (const match of readFileSync(file, 'utf8').matchAll(
        /^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm,
      )) {
        const target = match[1];
        const allowed =
          target === 'zod' ||
          (target.startsWith('.') && path.resolve(path.dirname(file), target).startsWith(shared));
        if (!allowed) offenders.push(`${path.relative(shared, file)} imports ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
