// Touchpoint: an email, rendered with Liquid at delivery.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const email = defineNodeType({
  type: 'touchpoint.email',
  version: 1,
  category: 'touchpoint',
  label: 'Email',
  description: 'Sends an email. Subject and body may use Liquid variables such as {{ profile.firstName }}.',
  icon: 'mail',
  config: z.object({
    subject: z.string().min(1, 'an email needs a subject').max(300).default('Hello {{ profile.firstName | default: "there" }}'),
    html: z.string().max(200_000).default('<p>Hello {{ profile.firstName | default: "there" }}</p>'),
    text: z.string().max(100_000).optional(),
    marketing: z.boolean().default(true),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `Email “${config.subject}”`,
  execute: (ctx, config) => {
    ctx.send({ channel: 'email', content: { subject: config.subject, html: config.html, text: config.text, marketing: config.marketing } });
    return { port: 'out' };
  },
});
