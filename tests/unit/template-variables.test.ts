// Which variables a message leaves empty for a sample, and how the picker writes a variable.
import { describe, expect, it } from 'vitest';
import { variableExpression } from '../../client/canvas/variable-picker';
import { emptyVariables } from '../../server/journeys/template-variables';

describe('template variables', () => {
  const data = { profile: { firstName: 'Anna', blank: '' }, event: { cart: { total: 99 } }, vars: {} };

  it('names each variable that renders empty, unless it has a default', () => {
    expect(
      emptyVariables(
        [
          'Hi {{ profile.firstName }} {{ profile.nickname }}',
          '<p>{{ event.cart.total }} {{ event.cart.items | size }} {{ vars.x | default: "y" }} {{ profile.blank }}</p>',
          undefined,
        ],
        data,
      ),
    ).toEqual(['profile.nickname', 'event.cart.items', 'profile.blank']);
    expect(emptyVariables(['{{- profile.firstName -}} {{ profile.city | upcase }}'], data)).toEqual([
      'profile.city',
    ]);
  });

  it('writes names Liquid cannot dot through in brackets', () => {
    expect(variableExpression('profile', 'firstName')).toBe('profile.firstName');
    expect(variableExpression('event', 'cart.total')).toBe('event.cart.total');
    expect(variableExpression('vars', 'wait-1.event')).toBe('vars["wait-1.event"]');
  });
});
