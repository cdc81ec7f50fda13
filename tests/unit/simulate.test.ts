// The simulator on every journey template, for three sample customers each: the path, the clock.
import { describe, expect, it } from 'vitest';
import { builtInNodeTypes } from '../../shared/nodes';
import { createRegistry } from '../../shared/node-type';
import { simulate } from '../../shared/simulate';
import { journeyTemplates } from '../../shared/templates';
import { cases, sampleTraits, start, triggerProperties } from '../support/simulation-cases';

const registry = createRegistry(builtInNodeTypes);
describe('simulating the journey templates', () => {
  it('covers every template with three customers', () => {
    for (const template of journeyTemplates)
      expect({
        template: template.id,
        customers: cases.filter((c) => c.template === template.id).length,
      }).toEqual({ template: template.id, customers: 3 });
  });

  it.each(cases)(
    '$template: a customer who $customer takes the expected path',
    async ({ template, trigger, events, path }) => {
      const graph = journeyTemplates.find((candidate) => candidate.id === template)!.graph;
      const result = await simulate({
        graph,
        registry,
        profile: { id: '00000000-0000-4000-8000-000000000001', userId: 'sample', traits: sampleTraits },
        trigger: trigger ? { name: trigger, properties: triggerProperties } : null,
        events,
        start,
      });
      expect(result.steps.map((step) => `${step.nodeId}:${step.port ?? step.outcome}`)).toEqual(path);
      expect(['completed', 'exited']).toContain(result.status);
    },
  );

  it('moves a virtual clock: waits end when they would, and say what ended them', async () => {
    const graph = journeyTemplates.find((candidate) => candidate.id === 'after-sale')!.graph;
    const result = await simulate({
      graph,
      registry,
      profile: { id: 'p', userId: 'u', traits: { email: 'u@example.com' } },
      trigger: { name: 'Order Completed', properties: { productName: 'Kettle' } },
      start,
    });
    const review = result.steps.find((step) => step.nodeId === 'review')!;
    expect(review.at).toBe('2026-03-11T10:00:00.000Z'); // 2 + 7 days later
    expect(review.messages).toEqual([
      expect.objectContaining({
        channel: 'email',
        content: expect.objectContaining({ subject: 'How do you like it?' }),
        deliverAt: '2026-03-11T10:00:00.000Z',
      }),
    ]);
    expect(result.steps.find((step) => step.nodeId === 'wait-tips')!.wait).toMatchObject({
      until: '2026-03-04T10:00:00.000Z',
      endedBy: 'timer',
    });
  });

  it('says why a condition branched, with the values it saw, and holds messages in quiet hours', async () => {
    const graph = {
      schemaVersion: 1 as const,
      nodes: [
        { id: 't', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Signed Up' } },
        {
          id: 'c',
          type: 'condition.if',
          position: { x: 0, y: 100 },
          config: {
            condition: {
              match: 'all',
              rules: [{ kind: 'attribute', source: 'trait', path: 'plan', op: 'eq', value: 'pro' }],
            },
          },
        },
        {
          id: 'm',
          type: 'touchpoint.email',
          position: { x: 0, y: 200 },
          config: { subject: 'Welcome, pro' },
        },
      ],
      edges: [
        { id: 'e1', source: 't', target: 'c', sourcePort: 'out' },
        { id: 'e2', source: 'c', target: 'm', sourcePort: 'yes' },
      ],
    };
    const late = new Date('2026-03-02T22:30:00Z'); // 23:30 in Zurich
    const result = await simulate({
      graph,
      registry,
      profile: { id: 'p', userId: 'u', traits: { plan: 'pro', timezone: 'Europe/Zurich' } },
      trigger: { name: 'Signed Up' },
      start: late,
      quietHours: { start: '21:00', end: '08:00' },
    });
    expect(result.steps[1]).toMatchObject({
      nodeId: 'c',
      port: 'yes',
      why: [{ rule: expect.stringContaining('plan'), actual: 'pro', passed: true }],
    });
    expect(result.steps[2].messages[0]).toMatchObject({
      deliverAt: '2026-03-03T07:00:00.000Z',
      delayedBy: 'quiet hours in Europe/Zurich',
    });
    const basic = await simulate({
      graph,
      registry,
      profile: { id: 'p', userId: 'u', traits: { plan: 'basic' } },
      trigger: { name: 'Signed Up' },
      start,
    });
    expect(basic.steps.map((step) => `${step.nodeId}:${step.port}`)).toEqual(['t:out', 'c:no']);
    expect(basic.steps[1].why).toEqual([expect.objectContaining({ actual: 'basic', passed: false })]);
  });
});
