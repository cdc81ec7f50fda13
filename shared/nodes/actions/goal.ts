// Action: the journey's goal is reached (the run counts as converted).
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const goal = defineNodeType({
  type: 'action.goal',
  version: 1,
  category: 'action',
  label: 'Goal reached',
  description: 'Counts the customer as converted; the journey may go on after it.',
  icon: 'flag',
  config: z.object({ name: z.string().max(100).default('Converted') }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `Goal: ${config.name}`,
  execute: (ctx) => {
    ctx.reachGoal();
    return { port: 'out' };
  },
});
