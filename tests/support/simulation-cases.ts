// Sample customers for every journey template, with the path each takes: shared by the
// simulator's unit tests and the test that holds the engine to the same paths.
import type { SimulatedEvent } from '../../shared/simulate';

export const start = new Date('2026-03-02T10:00:00Z'); // a Monday
const later = (hours: number, name: string, properties: Record<string, unknown> = {}): SimulatedEvent => ({
  name,
  properties,
  at: new Date(start.getTime() + hours * 3_600_000).toISOString(),
});
const day = 24;

export type Case = {
  template: string;
  customer: string;
  trigger?: string;
  events?: SimulatedEvent[];
  path: string[];
};
export const cases: Case[] = [
  {
    template: 'welcome-series',
    customer: 'orders on day 1',
    trigger: 'Account Created',
    events: [later(1 * day, 'Order Completed')],
    path: ['trigger:out', 'welcome:out', 'wait-order:event', 'goal:out'],
  },
  {
    template: 'welcome-series',
    customer: 'orders on day 5',
    trigger: 'Account Created',
    events: [later(5 * day, 'Order Completed')],
    path: [
      'trigger:out',
      'welcome:out',
      'wait-order:timeout',
      'tips:out',
      'wait-order-2:event',
      'goal-2:out',
    ],
  },
  {
    template: 'welcome-series',
    customer: 'never orders',
    trigger: 'Account Created',
    path: [
      'trigger:out',
      'welcome:out',
      'wait-order:timeout',
      'tips:out',
      'wait-order-2:timeout',
      'offer:out',
    ],
  },
  {
    template: 'abandoned-cart',
    customer: 'orders within the hour',
    trigger: 'Cart Abandoned',
    events: [later(0.5, 'Order Completed')],
    path: ['trigger:out', 'wait-hour:out', 'ordered:yes'],
  },
  {
    template: 'abandoned-cart',
    customer: 'orders after the reminder',
    trigger: 'Cart Abandoned',
    events: [later(5, 'Order Completed')],
    path: ['trigger:out', 'wait-hour:out', 'ordered:no', 'reminder:out', 'wait-day:out', 'ordered-2:yes'],
  },
  {
    template: 'abandoned-cart',
    customer: 'never orders',
    trigger: 'Cart Abandoned',
    path: [
      'trigger:out',
      'wait-hour:out',
      'ordered:no',
      'reminder:out',
      'wait-day:out',
      'ordered-2:no',
      'coupon:out',
    ],
  },
  ...['Ann', 'Ben', 'Cleo'].map((customer) => ({
    template: 'birthday',
    customer,
    path: ['trigger:out', 'greeting:out'],
  })),
  {
    template: 'win-back',
    customer: 'comes back on day 3',
    events: [later(3 * day, 'Order Completed')],
    path: ['trigger:out', 'offer:out', 'wait:event', 'won:out'],
  },
  {
    template: 'win-back',
    customer: 'comes back on day 20',
    events: [later(20 * day, 'Order Completed')],
    path: ['trigger:out', 'offer:out', 'wait:timeout', 'lapsed:out'],
  },
  {
    template: 'win-back',
    customer: 'never comes back',
    path: ['trigger:out', 'offer:out', 'wait:timeout', 'lapsed:out'],
  },
  ...['Ann', 'Ben', 'Cleo'].map((customer) => ({
    template: 'vip-threshold',
    customer,
    path: ['trigger:out', 'thanks:out', 'tag:out'],
  })),
  {
    template: 'coupon-reminder',
    customer: 'redeems on day 2',
    trigger: 'Coupon Issued',
    events: [later(2 * day, 'Coupon Redeemed')],
    path: ['trigger:out', 'wait:event', 'redeemed:out'],
  },
  {
    template: 'coupon-reminder',
    customer: 'redeems on day 6',
    trigger: 'Coupon Issued',
    events: [later(6 * day, 'Coupon Redeemed')],
    path: ['trigger:out', 'wait:timeout', 'reminder:out'],
  },
  {
    template: 'coupon-reminder',
    customer: 'never redeems',
    trigger: 'Coupon Issued',
    path: ['trigger:out', 'wait:timeout', 'reminder:out'],
  },
  ...['Ann', 'Ben', 'Cleo'].map((customer) => ({
    template: 'after-sale',
    customer,
    trigger: 'Order Completed',
    path: ['trigger:out', 'wait-tips:out', 'tips:out', 'wait-review:out', 'review:out'],
  })),
];

export const sampleTraits = {
  email: 'sample@example.com',
  firstName: 'Sam',
  birthday: '1990-03-02',
  timezone: 'Europe/Zurich',
};
export const triggerProperties = { code: 'C-1', cartUrl: 'https://shop.example/cart', productName: 'Kettle' };
