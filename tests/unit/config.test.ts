import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../server/config';

describe('configuration', () => {
  it('defaults give a working single-process setup', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ PORT: 3000, WAYMARK_ROLE: 'all', WAYMARK_PREPARED_STATEMENTS: 'on' });
  });

  it('every bad variable is listed at once', () => {
    try {
      parseConfig({
        PORT: 'abc',
        WAYMARK_ROLE: 'boss',
        DATABASE_URL: 'nope',
        WAYMARK_PREPARED_STATEMENTS: 'maybe',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const text = (error as Error).message;
      expect(text).toContain('PORT');
      expect(text).toContain('WAYMARK_ROLE');
      expect(text).toContain('DATABASE_URL');
      expect(text).toContain('WAYMARK_PREPARED_STATEMENTS is on or off');
    }
  });
});
