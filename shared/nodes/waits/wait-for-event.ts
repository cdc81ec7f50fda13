// Wait: for an event, with a timeout — two ways out.
import { z } from 'zod';
import { conditionSchema } from '../../conditions';
import { defineNodeType } from '../../node-type';
import { describeDuration, durationSchema, durationToMilliseconds } from '../../time';
import { durationTexts } from './duration-texts';

export const waitForEvent = defineNodeType({
  type: 'wait.event',
  version: 1,
  category: 'wait',
  label: 'Wait for event',
  description: 'Waits until the customer does something, or the timeout passes — whichever comes first.',
  icon: 'ear',
  config: z.object({
    event: z.string().min(1, 'name the event to wait for').max(200).default('Order Completed').meta({
      title: 'Event',
      description: 'The event that lets the customer go on by "event", e.g. Order Completed.',
      widget: 'event',
    }),
    where: conditionSchema.optional().meta({
      title: 'Only when',
      description: 'Only an event whose properties match these rules counts.',
      widget: 'condition',
    }),
    timeout: durationSchema
      .default({ amount: 3, unit: 'days' })
      .meta({ title: 'Wait at most', description: 'After this the customer goes on by "timeout".' }),
  }),
  ports: () => [
    { id: 'event', label: 'event' },
    { id: 'timeout', label: 'timeout' },
  ],
  summary: (config) => `Wait for ${config.event} up to ${describeDuration(config.timeout)}`,
  waits: true,
  variables: (_config, nodeId) => [`${nodeId}.event`],
  translations: {
    de: {
      label: 'Auf Event warten',
      description: 'Wartet, bis der Kunde etwas tut oder die Frist abläuft — was zuerst kommt.',
      ports: { event: 'Event', timeout: 'Frist abgelaufen' },
      fields: {
        event: {
          title: 'Event',
          description: 'Das Event, mit dem der Kunde über „Event“ weitergeht, z. B. Order Completed.',
        },
        where: {
          title: 'Nur wenn',
          description: 'Nur ein Event, dessen Eigenschaften diese Regeln erfüllen, zählt.',
        },
        timeout: {
          title: 'Höchstens warten',
          description: 'Danach geht der Kunde über „Frist abgelaufen“ weiter.',
        },
        ...durationTexts.de('timeout'),
      },
      summary: (config) => `Auf ${config.event} warten, höchstens ${describeDuration(config.timeout, 'de')}`,
      messages: {
        'name the event to wait for': 'Nennen Sie das Event, auf das gewartet wird',
        ...durationTexts.messages.de,
      },
    },
  },
  execute: (ctx, config) => {
    if (ctx.resume?.kind === 'event') {
      ctx.setVariable(`${ctx.nodeId}.event`, ctx.resume.event.properties);
      return { port: 'event' };
    }
    if (ctx.resume) return { port: 'timeout' };
    return {
      waitForEvent: {
        event: config.event,
        where: config.where,
        timeoutAt: new Date(ctx.now.getTime() + durationToMilliseconds(config.timeout)),
      },
    };
  },
});
