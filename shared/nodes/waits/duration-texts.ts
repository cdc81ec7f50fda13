// The words for a duration's fields (amount and unit), shared by the nodes that have one.
import type { FieldText } from '../../node-type';

export const durationTexts = {
  de: (field: string): Record<string, FieldText> => ({
    [`${field}.amount`]: { title: 'Anzahl' },
    [`${field}.unit`]: {
      title: 'Einheit',
      options: { seconds: 'Sekunden', minutes: 'Minuten', hours: 'Stunden', days: 'Tage', weeks: 'Wochen' },
    },
  }),
  messages: { de: { 'a duration cannot be negative': 'Eine Dauer kann nicht negativ sein' } },
};
