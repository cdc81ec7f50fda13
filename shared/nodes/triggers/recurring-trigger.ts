// Trigger: a date in the profile comes round each year (birthday, signup anniversary).
import { z } from 'zod';
import { defineNodeType } from '../../node-type';
import { timeOfDaySchema } from '../../time';

export const recurringTrigger = defineNodeType({
  type: 'trigger.recurring',
  version: 1,
  category: 'trigger',
  label: 'Recurring date',
  description: 'Starts every year on a date trait (birthday, signed-up date), at a local time in the customer\'s timezone.',
  icon: 'calendar-clock',
  config: z.object({
    trait: z.string().min(1, 'name the date trait').max(200).default('birthday'),
    offsetDays: z.number().int().min(-365).max(365).default(0),
    sendTime: timeOfDaySchema.default('09:00'),
  }),
  ports: () => [{ id: 'out', label: 'next', required: true }],
  summary: (config) => {
    const offset = config.offsetDays === 0 ? 'On' : `${Math.abs(config.offsetDays)} days ${config.offsetDays < 0 ? 'before' : 'after'}`;
    return `${offset} ${config.trait} at ${config.sendTime}`;
  },
  trigger: { kind: 'recurring' },
  execute: () => ({ port: 'out' }),
});
