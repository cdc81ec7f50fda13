// Condition: random A/B split by percentages, sticky per profile.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

const variantSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'a variant id uses letters, digits, "_" and "-"')
    .meta({
      title: 'Key',
      description: 'Fixed once customers got the variant; letters, digits, "_" and "-".',
    }),
  label: z.string().min(1).max(80).meta({ title: 'Name' }),
  percent: z.number().min(0).max(100).meta({ title: 'Share (%)' }),
});

export const abSplit = defineNodeType({
  type: 'condition.ab',
  version: 1,
  category: 'condition',
  label: 'A/B split',
  description:
    'Sends each customer to a variant at random by percentage; the same customer always gets the same variant.',
  icon: 'flask-conical',
  config: z
    .object({
      variants: z
        .array(variantSchema)
        .min(2, 'an A/B split needs at least two variants')
        .max(10)
        .default([
          { id: 'a', label: 'A', percent: 50 },
          { id: 'b', label: 'B', percent: 50 },
        ])
        .meta({
          title: 'Variants',
          description: 'Shares add up to 100 %; each customer keeps his variant.',
          itemTitle: 'Variant',
        }),
    })
    .refine((config) => Math.abs(config.variants.reduce((sum, v) => sum + v.percent, 0) - 100) < 1e-9, {
      message: "the variants' percentages must add up to 100",
      path: ['variants'],
    })
    .refine((config) => new Set(config.variants.map((v) => v.id)).size === config.variants.length, {
      message: 'variant ids must be unique',
      path: ['variants'],
    }),
  ports: (config) =>
    config.variants.map((variant) => ({ id: variant.id, label: `${variant.label} (${variant.percent}%)` })),
  summary: (config) => config.variants.map((variant) => `${variant.label} ${variant.percent}%`).join(' / '),
  translations: {
    de: {
      label: 'A/B-Test',
      description:
        'Teilt jeden Kunden zufällig nach Anteilen einer Variante zu; derselbe Kunde bekommt immer dieselbe.',
      fields: {
        variants: {
          title: 'Varianten',
          description: 'Die Anteile ergeben zusammen 100 %; jeder Kunde behält seine Variante.',
          itemTitle: 'Variante',
        },
        'variants.id': {
          title: 'Schlüssel',
          description: 'Fest, sobald Kunden die Variante bekommen haben; Buchstaben, Ziffern, „_“ und „-“.',
        },
        'variants.label': { title: 'Name' },
        'variants.percent': { title: 'Anteil (%)' },
      },
      summary: (config) =>
        config.variants
          .map((variant) => `${variant.label} ${String(variant.percent).replace('.', ',')} %`)
          .join(' / '),
      messages: {
        'an A/B split needs at least two variants': 'Ein A/B-Test braucht mindestens zwei Varianten',
        "the variants' percentages must add up to 100":
          'Die Anteile der Varianten müssen zusammen 100 ergeben',
        'variant ids must be unique': 'Die Schlüssel der Varianten müssen eindeutig sein',
        'a variant id uses letters, digits, "_" and "-"':
          'Ein Schlüssel besteht aus Buchstaben, Ziffern, „_“ und „-“',
      },
    },
  },
  execute: (ctx, config) => {
    // Salted with the journey as well as the node: a duplicated journey or a template imported
    // twice keeps its node ids, and its experiment must still draw independently. Both ids stay
    // the same across versions of a journey, so a customer keeps his variant when it changes.
    const draw = ctx.bucket(`${ctx.journeyId}:${ctx.nodeId}`) * 100;
    let cumulative = 0;
    for (const variant of config.variants) {
      cumulative += variant.percent;
      if (draw < cumulative) return { port: variant.id };
    }
    return { port: config.variants[config.variants.length - 1].id };
  },
});
