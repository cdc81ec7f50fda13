import { describe, expect, it } from 'vitest';
import { formatMessage } from '../../client/i18n/format-message';
import { de, en } from '../../client/i18n/messages';

describe('catalogue messages', () => {
  it("pick the plural form by the language's rules, in English and German", () => {
    expect(formatMessage(en['problems.count'], { count: 1 }, 'en')).toBe('1 problem');
    expect(formatMessage(en['problems.count'], { count: 0 }, 'en')).toBe('0 problems');
    expect(formatMessage(en['problems.count'], { count: 2 }, 'en')).toBe('2 problems');
    expect(formatMessage(de['problems.count'], { count: 1 }, 'de')).toBe('1 Problem');
    expect(formatMessage(de['problems.count'], { count: 3 }, 'de')).toBe('3 Probleme');
    expect(formatMessage(de['migration.inside'], { count: 1, version: 2 }, 'de')).toBe(
      '1 Kunde ist in Version 2.',
    );
    expect(formatMessage(de['migration.inside'], { count: 1200, version: 2 }, 'de')).toBe(
      '1.200 Kunden sind in Version 2.',
    );
  });

  it('fill plain values, and leave a placeholder without a value as it is', () => {
    expect(formatMessage('Hello {name}, {name}!', { name: 'Zoë' }, 'en')).toBe('Hello Zoë, Zoë!');
    expect(formatMessage('{a} and {b}', { a: 1 }, 'en')).toBe('1 and {b}');
    expect(formatMessage('{n, plural, =0 {none} one {# item} other {# items}}', { n: 0 }, 'en')).toBe('none');
  });

  it('no message of either catalogue writes a plural with "(s)", "(e)" or "(n)"', () => {
    for (const text of [...Object.values(en), ...Object.values(de)])
      expect(text).not.toMatch(/\w\((s|e|n|en)\)/);
  });
});
