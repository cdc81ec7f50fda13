// Action: set or unset traits, add or remove tags.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

const trait = z.string().min(1, 'name the trait').max(200).meta({ title: 'Trait' });
const tag = z.string().min(1, 'name the tag').max(100).meta({ title: 'Tag' });
const kind = <Op extends string>(op: Op) =>
  z.literal(op).meta({
    title: 'Kind',
    options: { set: 'Set trait', unset: 'Clear trait', addTag: 'Add tag', removeTag: 'Remove tag' },
  });
const operationSchema = z.discriminatedUnion('op', [
  z.object({
    op: kind('set'),
    trait,
    value: z.unknown().meta({ title: 'Value', description: 'Text, a number, true/false or JSON.' }),
  }),
  z.object({ op: kind('unset'), trait }),
  z.object({ op: kind('addTag'), tag }),
  z.object({ op: kind('removeTag'), tag }),
]);

export const updateProfile = defineNodeType({
  type: 'action.update-profile',
  version: 1,
  category: 'action',
  label: 'Update profile',
  description: "Sets or clears traits and adds or removes tags on the customer's profile.",
  icon: 'user-pen',
  config: z.object({
    operations: z
      .array(operationSchema)
      .min(1, 'add at least one change')
      .max(50)
      .default([{ op: 'addTag', tag: 'vip' }])
      .meta({
        title: 'Changes',
        description: 'Made in this order, together with the step.',
        itemTitle: 'Change',
      }),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) =>
    config.operations
      .map((operation) => {
        switch (operation.op) {
          case 'set':
            return `Set ${operation.trait} = ${JSON.stringify(operation.value)}`;
          case 'unset':
            return `Clear ${operation.trait}`;
          case 'addTag':
            return `Tag “${operation.tag}”`;
          case 'removeTag':
            return `Untag “${operation.tag}”`;
        }
      })
      .join(', '),
  translations: {
    de: {
      label: 'Profil ändern',
      description: 'Setzt oder löscht Merkmale und fügt dem Profil des Kunden Tags hinzu oder entfernt sie.',
      ports: { out: 'weiter' },
      fields: {
        operations: {
          title: 'Änderungen',
          description: 'In dieser Reihenfolge, zusammen mit dem Schritt.',
          itemTitle: 'Änderung',
        },
        'operations.op': {
          title: 'Art',
          options: {
            set: 'Merkmal setzen',
            unset: 'Merkmal löschen',
            addTag: 'Tag hinzufügen',
            removeTag: 'Tag entfernen',
          },
        },
        'operations.trait': { title: 'Merkmal' },
        'operations.tag': { title: 'Tag' },
        'operations.value': { title: 'Wert', description: 'Text, eine Zahl, true/false oder JSON.' },
      },
      summary: (config) =>
        config.operations
          .map((operation) => {
            switch (operation.op) {
              case 'set':
                return `${operation.trait} = ${JSON.stringify(operation.value)}`;
              case 'unset':
                return `${operation.trait} löschen`;
              case 'addTag':
                return `Tag „${operation.tag}“`;
              case 'removeTag':
                return `Tag „${operation.tag}“ entfernen`;
            }
          })
          .join(', '),
      messages: {
        'add at least one change': 'Fügen Sie mindestens eine Änderung hinzu',
        'name the trait': 'Nennen Sie das Merkmal',
        'name the tag': 'Nennen Sie den Tag',
      },
    },
  },
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
