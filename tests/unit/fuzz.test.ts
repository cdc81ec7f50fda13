// Fuzzing what authors type: condition expressions and Liquid templates. Whatever comes in, the
// answer is a value or a clear error — never a crash, a hang, or a way into the server.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conditionSchema,
  evaluateCondition,
  matchesFilter,
  operators,
  summarizeCondition,
  type Condition,
  type RuleOutcome,
} from '../../shared/conditions';
import { renderTemplate, TemplateError } from '../../server/channels/templates';

const path = fc.oneof(
  fc.constantFrom('plan', 'a.b', '__proto__', 'constructor.name', 'toString', 'x..y', '.', 'items.0'),
  fc.string({ minLength: 1, maxLength: 20 }),
);
const ruleArb = fc.oneof(
  fc.record({
    kind: fc.constant('attribute'),
    source: fc.constantFrom('trait', 'event', 'variable'),
    path,
    op: fc.constantFrom(...operators),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({
    kind: fc.constant('eventHistory'),
    event: fc.string({ minLength: 1, maxLength: 20 }),
    op: fc.constantFrom('gte', 'lt', 'eq'),
    count: fc.nat(10),
    withinDays: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
  }),
);
const { condition: conditionArb } = fc.letrec((tie) => ({
  condition: fc.record({
    match: fc.constantFrom('all', 'any'),
    rules: fc.array(fc.oneof({ depthSize: 'small' }, ruleArb, tie('condition')), { maxLength: 4 }),
  }),
}));
const environment = fc.record({
  traits: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })),
  event: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })), { nil: null }),
  variables: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
});

describe('condition expressions under fuzzing', () => {
  it('any JSON is accepted as a condition or refused with a path, never thrown', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (input) => {
        const parsed = conditionSchema.safeParse(input);
        if (!parsed.success) expect(parsed.error.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('every valid condition evaluates to a boolean for any profile, with each rule outcome, and pollutes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(conditionArb, environment, async (raw, env) => {
        const condition = conditionSchema.parse(raw) as Condition;
        const outcomes: RuleOutcome[] = [];
        const result = await evaluateCondition(condition, { ...env, countEvents: async () => 3 }, outcomes);
        expect(typeof result).toBe('boolean');
        for (const outcome of outcomes) expect(typeof outcome.passed).toBe('boolean');
        expect(typeof matchesFilter(condition, env)).toBe('boolean');
        expect(typeof summarizeCondition(condition)).toBe('string');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

const fragment = fc.oneof(
  fc.constantFrom(
    '{{',
    '}}',
    '{%',
    '%}',
    '{{ profile.firstName }}',
    '{{ profile.constructor.constructor }}',
    '{{ profile.__proto__ }}',
    '{% include "/etc/passwd" %}',
    '{% render "x" %}',
    '{% layout "y" %}',
    '{% for i in (1..5) %}',
    '{% endfor %}',
    '{% if profile.plan == "pro" %}',
    '{% endif %}',
    '| upcase',
    '| default: "x"',
    '| no_such_filter',
    '| split: ","',
    '| json',
    '{% assign a = "b" %}',
    '{% capture c %}',
    '{% endcapture %}',
    '{{ a }}',
    '{% raw %}',
    '{% endraw %}',
    '{{ "now" | date: "%Y" }}',
    '{{ event.total | times: 2 }}',
    '{% cycle "a", "b" %}',
    '{% tablerow x in vars.list %}',
    '{% endtablerow %}',
  ),
  fc.string({ maxLength: 12 }),
);
const data = { profile: { firstName: 'Ann', plan: 'pro' }, event: { total: 21 }, vars: { list: [1, 2, 3] } };

describe('Liquid templates under fuzzing', () => {
  it('any template renders to text or fails with a TemplateError; none reaches code, files or the environment', async () => {
    process.env.WAYMARK_FUZZ_CANARY = 'canary-value-from-the-environment';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join('')),
        async (template) => {
          try {
            const output = await renderTemplate(template, data);
            expect(typeof output).toBe('string');
            expect(output).not.toMatch(/function|\[native code\]|root:x:0|canary-value/);
          } catch (error) {
            expect(error).toBeInstanceOf(TemplateError);
          }
        },
      ),
      { numRuns: 800 },
    );
  });

  it('templates that would run forever or eat memory are stopped with an error', async () => {
    const bombs = [
      '{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}',
      '{% assign s = "xxxxxxxxxx" %}{% for i in (1..30) %}{% assign s = s | append: s %}{% endfor %}{{ s }}',
      `${'{% if true %}'.repeat(5000)}x${'{% endif %}'.repeat(5000)}`,
    ];
    for (const bomb of bombs) {
      const started = Date.now();
      await expect(renderTemplate(bomb, data)).rejects.toBeInstanceOf(TemplateError);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });
});
