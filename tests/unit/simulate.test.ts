// The simulator on every journey template, for three sample customers each: the path, the clock.
import { describe, expect, it } from 'vitest';
import { builtInNodeTypes } from '../../shared/nodes';
import { createRegistry } from '../../shared/node-type';
import { simulate, type SimulatedEvent } from '../../shared/simulate';
import { journeyTemplates } from '../../shared/templates';

const registry = createRegistry(builtInNodeTypes);
const start = new Date('2026-03-02T10:00:00Z'); // a Monday
const later = (hours: number, name: string, properties: Record<string, unknown> = {}): SimulatedEvent => ({ name, properties, at: new Date(start.getTime() + hours * 3_600_000).toISOString() });
const day = 24;

type Case = { template: string; customer: string; trigger?: string; events?: SimulatedEvent[]; path: string[] };
const cases: Case[] = [
  { template: 'welcome-series', customer: 'orders on day 1', trigger: 'Account Created', events: [later(1 * day, 'Order Completed')], path: ['trigger:out', 'welcome:out', 'wait-order:event', 'goal:out'] },
  { template: 'welcome-series', customer: 'orders on day 5', trigger: 'Account Created', events: [later(5 * day, 'Order Completed')], path: ['trigger:out', 'welcome:out', 'wait-order:timeout', 'tips:out', 'wait-order-2:event', 'goal-2:out'] },
  { template: 'welcome-series', customer: 'never orders', trigger: 'Account Created', path: ['trigger:out', 'welcome:out', 'wait-order:timeout', 'tips:out', 'wait-order-2:timeout', 'offer:out'] },
  { template: 'abandoned-cart', customer: 'orders within the hour', trigger: 'Cart Abandoned', events: [later(0.5, 'Order Completed')], path: ['trigger:out', 'wait-hour:out', 'ordered:yes'] },
  { template: 'abandoned-cart', customer: 'orders after the reminder', trigger: 'Cart Abandoned', events: [later(5, 'Order Completed')], path: ['trigger:out', 'wait-hour:out', 'ordered:no', 'reminder:out', 'wait-day:out', 'ordered-2:yes'] },
  { template: 'abandoned-cart', customer: 'never orders', trigger: 'Cart Abandoned', path: ['trigger:out', 'wait-hour:out', 'ordered:no', 'reminder:out', 'wait-day:out', 'ordered-2:no', 'coupon:out'] },
  ...['Ann', 'Ben', 'Cleo'].map((customer) => ({ template: 'birthday', customer, path: ['trigger:out', 'greeting:out'] })),
  { template: 'win-back', customer: 'comes back on day 3', events: [later(3 * day, 'Order Completed')], path: ['trigger:out', 'offer:out', 'wait:event', 'won:out'] },
  { template: 'win-back', customer: 'comes back on day 20', events: [later(20 * day, 'Order Completed')], path: ['trigger:out', 'offer:out', 'wait:timeout', 'lapsed:out'] },
  { template: 'win-back', customer: 'never comes back', path: ['trigger:out', 'offer:out', 'wait:timeout', 'lapsed:out'] },
  ...['Ann', 'Ben', 'Cleo'].map((customer) => ({ template: 'vip-threshold', customer, path: ['trigger:out', 'thanks:out', 'tag:out'] })),
  { template: 'coupon-reminder', customer: 'redeems on day 2', trigger: 'Coupon Issued', events: [later(2 * day, 'Coupon Redeemed')], path: ['trigger:out', 'wait:event', 'redeemed:out'] },
  { template: 'coupon-reminder', customer: 'redeems on day 6', trigger: 'Coupon Issued', events: [later(6 * day, 'Coupon Redeemed')], path: ['trigger:out', 'wait:timeout', 'reminder:out'] },
  { template: 'coupon-reminder', customer: 'never redeems', trigger: 'Coupon Issued', path: ['trigger:out', 'wait:timeout', 'reminder:out'] },
  ...['Ann', 'Ben', 'Cleo'].map((customer) => ({ template: 'after-sale', customer, trigger: 'Order Completed', path: ['trigger:out', 'wait-tips:out', 'tips:out', 'wait-review:out', 'review:out'] })),
];

describe('simulating the journey templates', () => {
  it('covers every template with three customers', () => {
    for (const template of journeyTemplates) expect({ template: template.id, customers: cases.filter((c) => c.template === template.id).length }).toEqual({ template: template.id, customers: 3 });
  });

  it.each(cases)('$template: a customer who $customer takes the expected path', async ({ template, trigger, events, path }) => {
    const graph = journeyTemplates.find((candidate) => candidate.id === template)!.graph;
    const result = await simulate({ graph, registry, profile: { id: '00000000-0000-4000-8000-000000000001', userId: 'sample', traits: { email: 'sample@example.com', firstName: 'Sam', birthday: '1990-03-02', timezone: 'Europe/Zurich' } }, trigger: trigger ? { name: trigger, properties: { code: 'C-1', cartUrl: 'https://shop.example/cart' } } : null, events, start });
    expect(result.steps.map((step) => `${step.nodeId}:${step.port ?? step.outcome}`)).toEqual(path);
    expect(['completed', 'exited']).toContain(result.status);
  });

  it('moves a virtual clock: waits end when they would, and say what ended them', async () => {
    const graph = journeyTemplates.find((candidate) => candidate.id === 'after-sale')!.graph;
    const result = await simulate({ graph, registry, profile: { id: 'p', userId: 'u', traits: { email: 'u@example.com' } }, trigger: { name: 'Order Completed', properties: { productName: 'Kettle' } }, start });
    const review = result.steps.find((step) => step.nodeId === 'review')!;
    expect(review.at).toBe('2026-03-11T10:00:00.000Z'); // 2 + 7 days later
    expect(review.messages).toEqual([expect.objectContaining({ channel: 'email', content: expect.objectContaining({ subject: 'How do you like it?' }), deliverAt: '2026-03-11T10:00:00.000Z' })]);
    expect(result.steps.find((step) => step.nodeId === 'wait-tips')!.wait).toMatchObject({ until: '2026-03-04T10:00:00.000Z', endedBy: 'timer' });
  });

  it('says why a condition branched, with the values it saw, and holds messages in quiet hours', async () => {
    const graph = {
      schemaVersion: 1 as const,
      nodes: [
        { id: 't', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Signed Up' } },
        { id: 'c', type: 'condition.if', position: { x: 0, y: 100 }, config: { condition: { match: 'all', rules: [{ kind: 'attribute', source: 'trait', path: 'plan', op: 'eq', value: 'pro' }] } } },
        { id: 'm', type: 'touchpoint.email', position: { x: 0, y: 200 }, config: { subject: 'Welcome, pro' } },
      ],
      edges: [{ id: 'e1', source: 't', target: 'c', sourcePort: 'out' }, { id: 'e2', source: 'c', target: 'm', sourcePort: 'yes' }],
    };
    const late = new Date('2026-03-02T22:30:00Z'); // 23:30 in Zurich
    const result = await simulate({ graph, registry, profile: { id: 'p', userId: 'u', traits: { plan: 'pro', timezone: 'Europe/Zurich' } }, trigger: { name: 'Signed Up' }, start: late, quietHours: { start: '21:00', end: '08:00' } });
    expect(result.steps[1]).toMatchObject({ nodeId: 'c', port: 'yes', why: [{ rule: expect.stringContaining('plan'), actual: 'pro', passed: true }] });
    expect(result.steps[2].messages[0]).toMatchObject({ deliverAt: '2026-03-03T07:00:00.000Z', delayedBy: 'quiet hours in Europe/Zurich' });
    const basic = await simulate({ graph, registry, profile: { id: 'p', userId: 'u', traits: { plan: 'basic' } }, trigger: { name: 'Signed Up' }, start });
    expect(basic.steps.map((step) => `${step.nodeId}:${step.port}`)).toEqual(['t:out', 'c:no']);
    expect(basic.steps[1].why).toEqual([expect.objectContaining({ actual: 'basic', passed: false })]);
  });
});
