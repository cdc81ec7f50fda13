// An example plugin: two node types for a fictional "Acme CRM". Load it with
//   WAYMARK_PLUGINS=./server/plugins/examples/acme-crm.ts npm start
import { defineNodeType, z } from '../../../shared/sdk';

/** An action: create a task for the sales owner in the CRM, through the outbox (sent once). */
const createCrmTask = defineNodeType({
  type: 'acme.create-crm-task',
  version: 1,
  category: 'action',
  label: 'Create CRM task',
  description: "Creates a follow-up task for the customer's sales owner in Acme CRM.",
  icon: 'clipboard-list',
  config: z.object({
    endpoint: z
      .string()
      .url('the CRM API address, e.g. https://crm.example.com/api/tasks')
      .default('https://crm.example.com/api/tasks'),
    title: z.string().min(1, 'name the task').max(200).default('Call {{ profile.firstName }}'),
    dueInDays: z.number().int().min(0).max(90).default(2),
    // Added in version 1.1 as optional: journeys saved before keep working.
    priority: z.enum(['low', 'normal', 'high']).optional(),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `CRM task “${config.title}” due in ${config.dueInDays} d`,
  execute: (ctx, config) => {
    const owner = ctx.profile.traits.salesOwner ?? 'unassigned';
    ctx.send({
      channel: 'webhook',
      to: config.endpoint,
      content: {
        method: 'POST',
        url: config.endpoint,
        headers: {},
        body: JSON.stringify({
          title: config.title,
          owner,
          customer: ctx.profile.userId,
          dueInDays: config.dueInDays,
          priority: config.priority ?? 'normal',
        }),
      },
    });
    ctx.setVariable('crmTaskOwner', owner);
    return { port: 'out' };
  },
});

/** A condition: hot or cold lead from a weighted score of traits and recent activity. */
const scoreLead = defineNodeType({
  type: 'acme.score-lead',
  version: 1,
  category: 'condition',
  label: 'Score lead',
  description:
    'Scores the customer from company size and recent visits; hot leads go one way, cold the other.',
  icon: 'flame',
  config: z.object({
    threshold: z.number().min(0).max(100).default(50),
    visitsEvent: z.string().min(1).default('Page Viewed'),
  }),
  ports: () => [
    { id: 'hot', label: 'hot' },
    { id: 'cold', label: 'cold' },
  ],
  summary: (config) => `Score ≥ ${config.threshold} is hot`,
  execute: async (ctx, config) => {
    const employees = Number(ctx.profile.traits.employees ?? 0);
    const visits = await ctx.countEvents(config.visitsEvent, 30);
    const score = Math.min(60, employees / 10) + Math.min(40, visits * 10);
    ctx.setVariable('leadScore', score);
    ctx.log(`lead score ${score}`);
    return { port: score >= config.threshold ? 'hot' : 'cold' };
  },
});

export const nodeTypes = [createCrmTask, scoreLead];
