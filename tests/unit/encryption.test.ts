import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configureEncryption,
  DecryptionError,
  openSecret,
  resolveEncryptionKey,
  sealSecret,
} from '../../server/security/encryption';

describe('secrets at rest', () => {
  it('seals with a fresh nonce each time and opens only under the same key', () => {
    configureEncryption('first-key-of-at-least-thirty-two-chars');
    const a = sealSecret('smtp://user:hunter2@mail.example.com');
    const b = sealSecret('smtp://user:hunter2@mail.example.com');
    expect(a).toMatch(/^enc:v1:/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(openSecret(a)).toBe('smtp://user:hunter2@mail.example.com');
    expect(sealSecret(a)).toBe(a); // sealing twice does not nest
    const tampered = a.slice(0, -2) + (a.endsWith('A') ? 'BB' : 'AA');
    expect(() => openSecret(tampered)).toThrow(DecryptionError);
    configureEncryption('another-key-of-at-least-thirty-two-chars');
    expect(() => openSecret(a)).toThrow(/WAYMARK_ENCRYPTION_KEY/);
    expect(openSecret('stored-before-sealing')).toBe('stored-before-sealing');
  });

  it('without WAYMARK_ENCRYPTION_KEY generates one key into the data directory and keeps it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-key-'));
    const first = resolveEncryptionKey(undefined, dir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(path.join(dir, 'encryption.key')).mode & 0o777).toBe(0o600);
    expect(resolveEncryptionKey(undefined, dir)).toBe(first);
    expect(resolveEncryptionKey('from-the-environment-0123456789-abcdef', dir)).toBe(
      'from-the-environment-0123456789-abcdef',
    );
    fs.rmSync(dir, { recursive: true });
  });
});
