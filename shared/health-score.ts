// The customer health score: several KPIs combined into one number from 0 to 100, an early
// warning that starts churn-prevention journeys when it falls. Pure, so the settings page can preview it.
import { z } from 'zod';

export const healthScoreConfigSchema = z
  .object({
    weights: z
      .object({
        recency: z.number().min(0).max(100).default(40),
        frequency: z.number().min(0).max(100).default(30),
        monetary: z.number().min(0).max(100).default(30),
        trait: z.number().min(0).max(100).default(0),
      })
      .default({ recency: 40, frequency: 30, monetary: 30, trait: 0 }),
    /** Days without activity after which recency counts zero. */
    recencyDays: z.number().int().positive().max(3650).default(90),
    /** The activity count (all events) that counts as fully engaged. */
    frequencyTarget: z.number().positive().default(20),
    monetaryEvent: z.string().min(1).default('Order Completed'),
    monetaryProperty: z.string().min(1).default('total'),
    /** Lifetime spend that counts as fully valuable. */
    monetaryTarget: z.number().positive().default(1000),
    /** A trait such as NPS or open support tickets, scaled between min and max; inverted when more is worse. */
    trait: z
      .object({
        name: z.string().min(1).default('nps'),
        min: z.number().default(0),
        max: z.number().default(10),
        invert: z.boolean().default(false),
      })
      .default({ name: 'nps', min: 0, max: 10, invert: false }),
  })
  .refine((config) => Object.values(config.weights).some((weight) => weight > 0), {
    message: 'at least one weight must be above 0',
    path: ['weights'],
  });

export type HealthScoreConfig = z.infer<typeof healthScoreConfigSchema>;

export interface HealthInputs {
  lastSeenAt: Date;
  /** All events the profile did (lifetime). */
  eventCount: number;
  /** Lifetime sum of the monetary property on the monetary event. */
  spend: number;
  traits: Record<string, unknown>;
  now: Date;
}

const clamp = (value: number) => Math.max(0, Math.min(1, value));

export function computeHealthScore(config: HealthScoreConfig, inputs: HealthInputs): number {
  const daysAway = (inputs.now.getTime() - inputs.lastSeenAt.getTime()) / 86_400_000;
  const parts = {
    recency: clamp(1 - daysAway / config.recencyDays),
    frequency: clamp(inputs.eventCount / config.frequencyTarget),
    monetary: clamp(inputs.spend / config.monetaryTarget),
    trait: (() => {
      const raw = Number(inputs.traits[config.trait.name]);
      if (!Number.isFinite(raw) || config.trait.max === config.trait.min) return 0;
      const scaled = clamp((raw - config.trait.min) / (config.trait.max - config.trait.min));
      return config.trait.invert ? 1 - scaled : scaled;
    })(),
  };
  const weights = config.weights;
  const total = weights.recency + weights.frequency + weights.monetary + weights.trait;
  const score =
    (weights.recency * parts.recency +
      weights.frequency * parts.frequency +
      weights.monetary * parts.monetary +
      weights.trait * parts.trait) /
    total;
  return Math.round(score * 1000) / 10;
}
