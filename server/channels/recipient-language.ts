// The language a recipient reads: his profile's `locale` (or `language`) trait, else what his
// browser asks for (Accept-Language), else English. German and English are the ones Waymark's own
// words (the email footer, the unsubscribe and preference pages) come in.
export type RecipientLanguage = 'de' | 'en';

export function recipientLanguage(
  traits?: Record<string, unknown>,
  acceptLanguage?: string,
): RecipientLanguage {
  const chosen = traits?.locale ?? traits?.language;
  if (typeof chosen === 'string' && chosen.trim())
    return chosen.trim().toLowerCase().startsWith('de') ? 'de' : 'en';
  const accepted = String(acceptLanguage ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase());
  const first = accepted.find((part) => part.startsWith('de') || part.startsWith('en'));
  return first?.startsWith('de') ? 'de' : 'en';
}
