// Condition: several branches, the first whose condition holds wins, else "else".
import { z } from 'zod';
import { conditionSchema, summarizeCondition } from '../../conditions';
import { defineNodeType } from '../../node-type';

const branchSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'a branch id uses letters, digits, "_" and "-"'),
  label: z.string().min(1).max(80),
  condition: conditionSchema,
});

export const multiSplit = defineNodeType({
  type: 'condition.split',
  version: 1,
  category: 'condition',
  label: 'Multi-way split',
  description: 'Checks branches in order; the customer takes the first that matches, or "else".',
  icon: 'git-fork',
  config: z.object({
    branches: z.array(branchSchema).min(1, 'add at least one branch').max(20).default([
      { id: 'branch-1', label: 'Branch 1', condition: { match: 'all', rules: [] } },
    ]),
  }).refine((config) => new Set(config.branches.map((b) => b.id)).size === config.branches.length && config.branches.every((b) => b.id !== 'else'), {
    message: 'branch ids must be unique and not "else"', path: ['branches'],
  }),
  ports: (config) => [...config.branches.map((branch) => ({ id: branch.id, label: branch.label })), { id: 'else', label: 'else' }],
  summary: (config) => config.branches.map((branch) => `${branch.label}: ${summarizeCondition(branch.condition)}`).join(' · '),
  execute: async (ctx, config) => {
    for (const branch of config.branches) {
      if (await ctx.evaluate(branch.condition)) return { port: branch.id };
    }
    return { port: 'else' };
  },
});
