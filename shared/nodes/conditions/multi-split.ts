// Condition: several branches, the first whose condition holds wins, else "else".
import { z } from 'zod';
import { conditionSchema, summarizeCondition } from '../../conditions';
import { defineNodeType } from '../../node-type';

const branchSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'a branch id uses letters, digits, "_" and "-"')
    .meta({
      title: 'Key',
      description: 'Fixed once customers took the branch; letters, digits, "_" and "-".',
    }),
  label: z.string().min(1).max(80).meta({ title: 'Name' }),
  condition: conditionSchema.meta({ title: 'Takes customers who match', widget: 'condition' }),
});

export const multiSplit = defineNodeType({
  type: 'condition.split',
  version: 1,
  category: 'condition',
  label: 'Multi-way split',
  description: 'Checks branches in order; the customer takes the first that matches, or "else".',
  icon: 'git-fork',
  config: z
    .object({
      branches: z
        .array(branchSchema)
        .min(1, 'add at least one branch')
        .max(20)
        .default([{ id: 'branch-1', label: 'Branch 1', condition: { match: 'all', rules: [] } }])
        .meta({
          title: 'Branches',
          description: 'Checked from the top; a customer takes the first that matches, else "else".',
          itemTitle: 'Branch',
        }),
    })
    .refine(
      (config) =>
        new Set(config.branches.map((b) => b.id)).size === config.branches.length &&
        config.branches.every((b) => b.id !== 'else'),
      {
        message: 'branch ids must be unique and not "else"',
        path: ['branches'],
      },
    ),
  ports: (config) => [
    ...config.branches.map((branch) => ({ id: branch.id, label: branch.label })),
    { id: 'else', label: 'else' },
  ],
  summary: (config) =>
    config.branches.map((branch) => `${branch.label}: ${summarizeCondition(branch.condition)}`).join(' · '),
  translations: {
    de: {
      label: 'Mehrfachverzweigung',
      description: 'Prüft Zweige der Reihe nach; der Kunde nimmt den ersten, der passt, sonst „sonst“.',
      ports: { else: 'sonst' },
      fields: {
        branches: {
          title: 'Zweige',
          description: 'Von oben geprüft; ein Kunde nimmt den ersten, der passt, sonst „sonst“.',
          itemTitle: 'Zweig',
        },
        'branches.id': {
          title: 'Schlüssel',
          description: 'Fest, sobald Kunden den Zweig genommen haben; Buchstaben, Ziffern, „_“ und „-“.',
        },
        'branches.label': { title: 'Name' },
        'branches.condition': { title: 'Nimmt Kunden, die passen' },
      },
      summary: (config) =>
        config.branches
          .map((branch) => `${branch.label}: ${summarizeCondition(branch.condition, 'de')}`)
          .join(' · '),
      messages: {
        'add at least one branch': 'Fügen Sie mindestens einen Zweig hinzu',
        'branch ids must be unique and not "else"':
          'Die Schlüssel der Zweige müssen eindeutig sein und dürfen nicht „else“ heißen',
        'a branch id uses letters, digits, "_" and "-"':
          'Ein Schlüssel besteht aus Buchstaben, Ziffern, „_“ und „-“',
      },
    },
  },
  execute: async (ctx, config) => {
    for (const branch of config.branches) {
      if (await ctx.evaluate(branch.condition)) return { port: branch.id };
    }
    return { port: 'else' };
  },
});
