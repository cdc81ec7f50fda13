// Journey templates that show the four trigger kinds at work. Pure data: the canvas offers them,
// the simulator and tests run them.
import type { JourneyGraph } from './graph';

export interface JourneyTemplate {
  id: string;
  name: string;
  description: string;
  graph: JourneyGraph;
  /** The template in German: its name, description and the words of its messages (by node id). */
  de?: { name: string; description: string; configs: Record<string, Record<string, unknown>> };
}

/** A template in a language: its name and description, and its messages' subjects and bodies, translated where it has them. */
export function localizedTemplate(template: JourneyTemplate, locale: 'en' | 'de'): JourneyTemplate {
  const translation = locale === 'de' ? template.de : undefined;
  if (!translation) return template;
  return {
    ...template,
    name: translation.name,
    description: translation.description,
    graph: {
      ...template.graph,
      nodes: template.graph.nodes.map((node) =>
        translation.configs[node.id]
          ? { ...node, config: { ...node.config, ...translation.configs[node.id] } }
          : node,
      ),
    },
  };
}

type NodeSpec = [id: string, type: string, config?: Record<string, unknown>];
type EdgeSpec = [source: string, target: string, port?: string];

/** Lays nodes out top to bottom by their order, branches side by side. */
function graph(nodes: NodeSpec[], edges: EdgeSpec[]): JourneyGraph {
  const depth = new Map<string, number>([[nodes[0][0], 0]]);
  for (let pass = 0; pass < nodes.length; pass++) {
    for (const [source, target] of edges)
      if (depth.has(source)) depth.set(target, Math.max(depth.get(target) ?? 0, depth.get(source)! + 1));
  }
  const perRow = new Map<number, number>();
  return {
    schemaVersion: 1,
    nodes: nodes.map(([id, type, config = {}]) => {
      const row = depth.get(id) ?? 0;
      const column = perRow.get(row) ?? 0;
      perRow.set(row, column + 1);
      return { id, type, position: { x: column * 300, y: row * 150 }, config };
    }),
    edges: edges.map(([source, target, port = 'out'], index) => ({
      id: `e${index + 1}`,
      source,
      target,
      sourcePort: port,
    })),
  };
}

const ordered = (withinDays?: number) => ({
  match: 'all',
  rules: [
    {
      kind: 'eventHistory',
      event: 'Order Completed',
      op: 'gte',
      count: 1,
      ...(withinDays ? { withinDays } : {}),
    },
  ],
});
const days = (amount: number) => ({ amount, unit: 'days' });

export const journeyTemplates: JourneyTemplate[] = [
  {
    id: 'welcome-series',
    name: 'Welcome series',
    description: 'Account opened → welcome emails over several days; stops when the first order comes.',
    graph: graph(
      [
        ['trigger', 'trigger.event', { event: 'Account Created' }],
        [
          'welcome',
          'touchpoint.email',
          {
            subject: 'Welcome, {{ profile.firstName | default: "friend" }}!',
            html: '<p>Great to have you.</p>',
          },
        ],
        ['wait-order', 'wait.event', { event: 'Order Completed', timeout: days(3) }],
        ['goal', 'action.goal', { name: 'First order' }],
        ['tips', 'touchpoint.email', { subject: 'Three things to try first', html: '<p>Tips…</p>' }],
        ['wait-order-2', 'wait.event', { event: 'Order Completed', timeout: days(4) }],
        ['goal-2', 'action.goal', { name: 'First order' }],
        [
          'offer',
          'touchpoint.email',
          { subject: '10% off your first order', html: '<p>Use code WELCOME10</p>' },
        ],
      ],
      [
        ['trigger', 'welcome'],
        ['welcome', 'wait-order'],
        ['wait-order', 'goal', 'event'],
        ['wait-order', 'tips', 'timeout'],
        ['tips', 'wait-order-2'],
        ['wait-order-2', 'goal-2', 'event'],
        ['wait-order-2', 'offer', 'timeout'],
      ],
    ),
    de: {
      name: 'Willkommensserie',
      description: 'Konto eröffnet → Willkommens-E-Mails über mehrere Tage; endet mit der ersten Bestellung.',
      configs: {
        welcome: {
          subject: 'Willkommen, {{ profile.firstName | default: "schön, dass Sie da sind" }}!',
          html: '<p>Schön, dass Sie dabei sind.</p>',
        },
        goal: { name: 'Erste Bestellung' },
        tips: { subject: 'Drei Dinge für den Anfang', html: '<p>Tipps…</p>' },
        'goal-2': { name: 'Erste Bestellung' },
        offer: { subject: '10 % auf Ihre erste Bestellung', html: '<p>Mit dem Code WELCOME10</p>' },
      },
    },
  },
  {
    id: 'abandoned-cart',
    name: 'Abandoned cart',
    description: 'Cart Abandoned → wait 1 h → still no order? → reminder → wait 1 day → coupon.',
    graph: graph(
      [
        ['trigger', 'trigger.event', { event: 'Cart Abandoned' }],
        ['wait-hour', 'wait.delay', { duration: { amount: 1, unit: 'hours' } }],
        ['ordered', 'condition.if', { condition: ordered(1) }],
        [
          'reminder',
          'touchpoint.email',
          {
            subject: 'You left something in your cart',
            html: '<p>Your cart is waiting: {{ event.cartUrl }}</p>',
          },
        ],
        ['wait-day', 'wait.delay', { duration: days(1) }],
        ['ordered-2', 'condition.if', { condition: ordered(2) }],
        [
          'coupon',
          'touchpoint.email',
          { subject: 'A coupon for your cart', html: '<p>10% off with CART10</p>' },
        ],
      ],
      [
        ['trigger', 'wait-hour'],
        ['wait-hour', 'ordered'],
        ['ordered', 'reminder', 'no'],
        ['reminder', 'wait-day'],
        ['wait-day', 'ordered-2'],
        ['ordered-2', 'coupon', 'no'],
      ],
    ),
    de: {
      name: 'Warenkorbabbruch',
      description:
        'Cart Abandoned → 1 Std. warten → noch keine Bestellung? → Erinnerung → 1 Tag warten → Gutschein.',
      configs: {
        reminder: {
          subject: 'Sie haben etwas im Warenkorb vergessen',
          html: '<p>Ihr Warenkorb wartet: {{ event.cartUrl }}</p>',
        },
        coupon: { subject: 'Ein Gutschein für Ihren Warenkorb', html: '<p>10 % Rabatt mit CART10</p>' },
      },
    },
  },
  {
    id: 'birthday',
    name: 'Birthday',
    description: "Recurring date → a greeting with a coupon at 09:00 in the customer's timezone.",
    graph: graph(
      [
        ['trigger', 'trigger.recurring', { trait: 'birthday', offsetDays: 0, sendTime: '09:00' }],
        [
          'greeting',
          'touchpoint.email',
          {
            subject: 'Happy birthday, {{ profile.firstName | default: "friend" }}!',
            html: '<p>A present for you: BDAY15</p>',
          },
        ],
      ],
      [['trigger', 'greeting']],
    ),
    de: {
      name: 'Geburtstag',
      description: 'Jährliches Datum → ein Gruß mit Gutschein um 09:00 in der Zeitzone des Kunden.',
      configs: {
        greeting: {
          subject:
            'Alles Gute zum Geburtstag, {{ profile.firstName | default: "liebe Kundin, lieber Kunde" }}!',
          html: '<p>Ein Geschenk für Sie: BDAY15</p>',
        },
      },
    },
  },
  {
    id: 'win-back',
    name: 'Win-back',
    description: 'Inactive for 60 days → reactivation offer → wait for a purchase or time out.',
    graph: graph(
      [
        ['trigger', 'trigger.threshold', { measure: 'inactivity', event: 'Order Completed', value: 60 }],
        [
          'offer',
          'touchpoint.email',
          { subject: 'We miss you — 20% off', html: '<p>Come back with COMEBACK20</p>' },
        ],
        ['wait', 'wait.event', { event: 'Order Completed', timeout: days(14) }],
        ['won', 'action.goal', { name: 'Won back' }],
        ['lapsed', 'action.update-profile', { operations: [{ op: 'addTag', tag: 'lapsed' }] }],
      ],
      [
        ['trigger', 'offer'],
        ['offer', 'wait'],
        ['wait', 'won', 'event'],
        ['wait', 'lapsed', 'timeout'],
      ],
    ),
    de: {
      name: 'Rückgewinnung',
      description: '60 Tage inaktiv → Angebot zur Rückkehr → auf einen Kauf warten oder Frist abwarten.',
      configs: {
        offer: {
          subject: 'Wir vermissen Sie — 20 % Rabatt',
          html: '<p>Kommen Sie zurück mit COMEBACK20</p>',
        },
        won: { name: 'Zurückgewonnen' },
        lapsed: { operations: [{ op: 'addTag', tag: 'lapsed' }] },
      },
    },
  },
  {
    id: 'vip-threshold',
    name: 'VIP threshold',
    description: 'Lifetime spend over 5,000 → thank-you and a VIP tag.',
    graph: graph(
      [
        [
          'trigger',
          'trigger.threshold',
          { measure: 'sum', event: 'Order Completed', property: 'total', op: 'gte', value: 5000 },
        ],
        [
          'thanks',
          'touchpoint.email',
          { subject: 'Thank you — you are a VIP now', html: '<p>Enjoy free shipping for life.</p>' },
        ],
        [
          'tag',
          'action.update-profile',
          {
            operations: [
              { op: 'addTag', tag: 'vip' },
              { op: 'set', trait: 'tier', value: 'vip' },
            ],
          },
        ],
      ],
      [
        ['trigger', 'thanks'],
        ['thanks', 'tag'],
      ],
    ),
    de: {
      name: 'VIP-Schwelle',
      description: 'Umsatz insgesamt über 5.000 → Dankeschön und ein VIP-Tag.',
      configs: {
        thanks: {
          subject: 'Danke — Sie sind jetzt VIP',
          html: '<p>Genießen Sie lebenslang kostenlosen Versand.</p>',
        },
      },
    },
  },
  {
    id: 'coupon-reminder',
    name: 'Coupon reminder',
    description: 'Coupon issued → not redeemed after 5 days → reminder.',
    graph: graph(
      [
        ['trigger', 'trigger.event', { event: 'Coupon Issued' }],
        ['wait', 'wait.event', { event: 'Coupon Redeemed', timeout: days(5) }],
        ['redeemed', 'action.goal', { name: 'Redeemed' }],
        [
          'reminder',
          'touchpoint.email',
          { subject: 'Your coupon expires soon', html: '<p>Code {{ event.code }} is still waiting.</p>' },
        ],
      ],
      [
        ['trigger', 'wait'],
        ['wait', 'redeemed', 'event'],
        ['wait', 'reminder', 'timeout'],
      ],
    ),
    de: {
      name: 'Gutschein-Erinnerung',
      description: 'Gutschein ausgegeben → nach 5 Tagen nicht eingelöst → Erinnerung.',
      configs: {
        redeemed: { name: 'Eingelöst' },
        reminder: {
          subject: 'Ihr Gutschein läuft bald ab',
          html: '<p>Der Code {{ event.code }} wartet noch auf Sie.</p>',
        },
      },
    },
  },
  {
    id: 'after-sale',
    name: 'After-sale',
    description: 'Order completed → product tips → review request.',
    graph: graph(
      [
        ['trigger', 'trigger.event', { event: 'Order Completed' }],
        ['wait-tips', 'wait.delay', { duration: days(2) }],
        [
          'tips',
          'touchpoint.email',
          {
            subject: 'Getting the most out of your purchase',
            html: '<p>Tips for {{ event.productName }}</p>',
          },
        ],
        ['wait-review', 'wait.delay', { duration: days(7) }],
        ['review', 'touchpoint.email', { subject: 'How do you like it?', html: '<p>Leave a review</p>' }],
      ],
      [
        ['trigger', 'wait-tips'],
        ['wait-tips', 'tips'],
        ['tips', 'wait-review'],
        ['wait-review', 'review'],
      ],
    ),
    de: {
      name: 'Nach dem Kauf',
      description: 'Bestellung abgeschlossen → Produkttipps → Bitte um eine Bewertung.',
      configs: {
        tips: {
          subject: 'So holen Sie das Beste aus Ihrem Kauf',
          html: '<p>Tipps für {{ event.productName }}</p>',
        },
        review: { subject: 'Wie gefällt es Ihnen?', html: '<p>Schreiben Sie eine Bewertung</p>' },
      },
    },
  },
];
