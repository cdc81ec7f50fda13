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
    subject: z
      .string()
      .min(1, 'an email needs a subject')
      .max(300)
      .default('Hello {{ profile.firstName | default: "there" }}')
      .meta({
        title: 'Subject',
        description:
          'The line the inbox shows. Variables such as {{ profile.firstName }} are filled in per customer.',
        widget: 'liquid',
      }),
    html: z.string().max(200_000).default('<p>Hello {{ profile.firstName | default: "there" }}</p>').meta({
      title: 'Message (HTML)',
      description: 'The email itself. Links are tracked; an unsubscribe link is added to marketing email.',
      widget: 'html',
    }),
    text: z.string().max(100_000).optional().meta({
      title: 'Plain-text version',
      description: 'For mail programs that show no HTML. Empty: made from the HTML.',
      widget: 'liquid-multiline',
    }),
    marketing: z.boolean().default(true).meta({
      title: 'Marketing email',
      description:
        'Respects unsubscribes and frequency caps and carries an unsubscribe link. Turn off for receipts and password resets.',
    }),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `Email “${config.subject}”`,
  translations: {
    de: {
      defaults: {
        subject: 'Hallo {{ profile.firstName | default: "zusammen" }}',
        html: '<p>Hallo {{ profile.firstName | default: "zusammen" }}</p>',
      },
      label: 'E-Mail',
      description:
        'Sendet eine E-Mail. Betreff und Text können Liquid-Variablen wie {{ profile.firstName }} enthalten.',
      ports: { out: 'weiter' },
      fields: {
        subject: {
          title: 'Betreff',
          description:
            'Die Zeile, die das Postfach zeigt. Variablen wie {{ profile.firstName }} werden je Kunde eingesetzt.',
        },
        html: {
          title: 'Nachricht (HTML)',
          description:
            'Die E-Mail selbst. Links werden verfolgt; Marketing-E-Mails erhalten einen Abmeldelink.',
        },
        text: {
          title: 'Textversion',
          description: 'Für Mailprogramme, die kein HTML zeigen. Leer: wird aus dem HTML erstellt.',
        },
        marketing: {
          title: 'Marketing-E-Mail',
          description:
            'Beachtet Abmeldungen und Frequenzgrenzen und enthält einen Abmeldelink. Für Belege und Passwort-Links ausschalten.',
        },
      },
      summary: (config) => `E-Mail „${config.subject}“`,
      messages: { 'an email needs a subject': 'Eine E-Mail braucht einen Betreff' },
    },
  },
  execute: (ctx, config) => {
    ctx.send({
      channel: 'email',
      content: { subject: config.subject, html: config.html, text: config.text, marketing: config.marketing },
    });
    return { port: 'out' };
  },
});
