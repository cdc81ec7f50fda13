// What of the English UI is left on a page shown in German: the English catalogue's phrases, and
// the built-in node types' English words (labels, descriptions, ports, field labels and help) and
// the templates' names and descriptions,
// wherever the German text differs.
import { formatMessage } from '../../client/i18n/format-message';
import { de, en, type MessageKey } from '../../client/i18n/messages';
import { describeNodeType } from '../../shared/node-type';
import { builtInNodeTypes } from '../../shared/nodes';
import { journeyTemplates, localizedTemplate } from '../../shared/templates';

/** The fixed pieces of a catalogue text in both plural forms, placeholders left out. */
function pieces(text: string, locale: string): string[] {
  const names = [...text.matchAll(/\{(\w+)/g)].map((match) => match[1]);
  return [1, 2]
    .flatMap((count) =>
      formatMessage(text, Object.fromEntries(names.map((name) => [name, count])), locale).split(/\d+/),
    )
    .map((piece) => piece.trim().replace(/^[\s:·,.(—–-]+|[\s:·,.(—–-]+$/g, ''))
    .filter((piece) => piece.length >= 4 && /[A-Za-z]{3}/.test(piece));
}

function schemaTexts(schema: unknown): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const texts: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'title' || key === 'description' || key === 'itemTitle') && typeof value === 'string')
      texts.push(value);
    else if (key === 'options' && value && typeof value === 'object')
      texts.push(...Object.values(value as Record<string, string>));
    else if (key !== 'default') texts.push(...schemaTexts(value));
  }
  return texts;
}

function nodeTexts(locale: 'en' | 'de'): string[] {
  return builtInNodeTypes.flatMap((definition) => {
    const description = describeNodeType(definition, locale);
    return [
      description.label,
      description.description,
      ...description.defaultPorts.map((port) => port.label),
      ...schemaTexts(description.configSchema),
    ];
  });
}

let phrases: string[] | undefined;
/** English phrases that must not be seen in the German UI. */
export function englishPhrases(): string[] {
  if (phrases) return phrases;
  const german = [
    ...Object.values(de),
    ...nodeTexts('de'),
    ...journeyTemplates.flatMap((template) => {
      const translated = localizedTemplate(template, 'de');
      return [translated.name, translated.description];
    }),
  ].join('\n');
  const english = new Set<string>();
  for (const key of Object.keys(en) as MessageKey[]) {
    if (en[key] === de[key]) continue;
    for (const piece of pieces(en[key], 'en')) english.add(piece);
  }
  for (const text of [
    ...nodeTexts('en'),
    ...journeyTemplates.flatMap((template) => [template.name, template.description]),
  ])
    for (const piece of pieces(text, 'en')) english.add(piece);
  // A word both languages use (Journey, Webhook, Event, Status…) is not a leftover.
  phrases = [...english].filter((piece) => !german.includes(piece));
  return phrases;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The English phrases found in a page's visible text. */
export function englishLeft(visibleText: string): string[] {
  return englishPhrases().filter((phrase) =>
    new RegExp(`(^|[^\\p{L}])${escape(phrase)}($|[^\\p{L}])`, 'u').test(visibleText),
  );
}
