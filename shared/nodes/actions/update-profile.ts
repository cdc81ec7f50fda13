// Action: set or unset traits, add or remove tags.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

const operationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), trait: z.string().min(1, 'name the trait').max(200), value: z.unknown() }),
  z.object({ op: z.literal('unset'), trait: z.string().min(1, 'name the trait').max(200) }),
  z.object({ op: z.literal('addTag'), tag: z.string().min(1, 'name the tag').max(100) }),
  z.object({ op: z.literal('removeTag'), tag: z.string().min(1, 'name the tag').max(100) }),
]);

export const updateProfile = defineNodeType({
  type: 'action.update-profile',
  version: 1,
  category: 'action',
  label: 'Update profile',
  description: 'Sets or clears traits and adds or removes tags on the customer\'s profile.',
  icon: 'user-pen',
  config: z.object({ operations: z.array(operationSchema).min(1, 'add at least one change').max(50).default([{ op: 'addTag', tag: 'vip' }]) }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => config.operations.map((operation) => {
    switch (operation.op) {
      case 'set': return `Set ${operation.trait} = ${JSON.stringify(operation.value)}`;
      case 'unset': return `Clear ${operation.trait}`;
      case 'addTag': return `Tag “${operation.tag}”`;
      case 'removeTag': return `Untag “${operation.tag}”`;
    }
  }).join(', '),
  execute: (ctx, config) => {
    for (const operation of config.operations) {
      if (operation.op === 'set') ctx.setTrait(operation.trait, operation.value);
      else if (operation.op === 'unset') ctx.unsetTrait(operation.trait);
      else if (operation.op === 'addTag') ctx.addTag(operation.tag);
      else ctx.removeTag(operation.tag);
    }
    return { port: 'out' };
  },
});
