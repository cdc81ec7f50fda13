import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyOperator,
  evaluateCondition,
  matchesFilter,
  operators,
  summarizeCondition,
  type Condition,
} from '../../shared/conditions';

const env = (traits: Record<string, unknown>, counts: Record<string, number> = {}) => ({
  traits,
  event: { total: 120, sku: 'A-1' },
  variables: {},
  countEvents: async (name: string) => counts[name] ?? 0,
});

describe('conditions', () => {
  it('compares numbers, strings and lists the way a marketer reads them', () => {
    expect(applyOperator('gt', 120, 100)).toBe(true);
    expect(applyOperator('gt', '120', 100)).toBe(true);
    expect(applyOperator('eq', 'PRO', 'pro')).toBe(true);
    expect(applyOperator('contains', ['vip', 'b2b'], 'vip')).toBe(true);
    expect(applyOperator('in', 'CH', 'CH, DE, AT')).toBe(true);
    expect(applyOperator('exists', '', undefined)).toBe(false);
    expect(applyOperator('before', '2020-01-01', '2021-01-01')).toBe(true);
    expect(applyOperator('gt', 'abc', 5)).toBe(false);
  });

  it('"all" needs every rule, "any" one; nested groups work', async () => {
    const condition: Condition = {
      match: 'all',
      rules: [
        { kind: 'attribute', source: 'trait', path: 'plan', op: 'eq', value: 'pro' },
        {
          match: 'any',
          rules: [
            { kind: 'attribute', source: 'event', path: 'total', op: 'gte', value: 100 },
            { kind: 'attribute', source: 'trait', path: 'country', op: 'eq', value: 'CH' },
          ],
        },
      ],
    };
    expect(await evaluateCondition(condition, env({ plan: 'pro' }))).toBe(true);
    expect(await evaluateCondition(condition, env({ plan: 'free' }))).toBe(false);
  });

  it("event history counts the profile's events, and the outcome says why", async () => {
    const condition: Condition = {
      match: 'all',
      rules: [{ kind: 'eventHistory', event: 'Order Completed', op: 'gte', count: 1, withinDays: 30 }],
    };
    const why: Array<{ rule: string; actual: unknown; passed: boolean }> = [];
    expect(await evaluateCondition(condition, env({}, { 'Order Completed': 2 }), why)).toBe(true);
    expect(why[0]).toMatchObject({ actual: 2, passed: true });
    expect(await evaluateCondition(condition, env({}))).toBe(false);
  });

  it('filters read nested properties', () => {
    expect(
      matchesFilter(
        {
          match: 'all',
          rules: [{ kind: 'attribute', source: 'event', path: 'sku', op: 'startsWith', value: 'a-' }],
        },
        { traits: {}, event: { sku: 'A-1' }, variables: {} },
      ),
    ).toBe(true);
  });

  it('summaries read like sentences', () => {
    expect(
      summarizeCondition({
        match: 'all',
        rules: [{ kind: 'attribute', source: 'trait', path: 'cart', op: 'gt', value: 100 }],
      }),
    ).toBe('trait.cart gt 100');
  });

  it('a value that cannot be turned into text simply does not match a boolean', () => {
    expect(applyOperator('eq', { toString: 0 }, false)).toBe(false);
    expect(applyOperator('notIn', { toString: 0 }, [false])).toBe(true);
    expect(applyOperator('eq', true, 'true')).toBe(true);
  });

  it('no operator throws on any value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...operators), fc.anything(), fc.anything(), (op, actual, expected) => {
        expect(typeof applyOperator(op, actual, expected)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
