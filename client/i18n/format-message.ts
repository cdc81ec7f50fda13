// Fills a catalogue message: `{name}` takes a value, and `{name, plural, one {…} other {…}}` picks
// the form the language's plural rules (Intl.PluralRules) ask for, `#` standing for the number —
// the ICU message syntax, for the few shapes the catalogue uses.
const pluralPattern = /\{(\w+), plural,((?:\s*(?:=\d+|zero|one|two|few|many|other)\s*\{[^{}]*\})+)\s*\}/g;
const formPattern = /(=\d+|zero|one|two|few|many|other)\s*\{([^{}]*)\}/g;

const rules = new Map<string, Intl.PluralRules>();
function pluralRules(locale: string): Intl.PluralRules {
  let found = rules.get(locale);
  if (!found) rules.set(locale, (found = new Intl.PluralRules(locale)));
  return found;
}

export function formatMessage(
  text: string,
  values: Record<string, string | number> | undefined,
  locale: string,
): string {
  const filled = text.replace(pluralPattern, (whole, name: string, forms: string) => {
    const value = values?.[name];
    if (value === undefined) return whole;
    const count = Number(value);
    const options = new Map([...forms.matchAll(formPattern)].map((match) => [match[1], match[2]]));
    const form =
      options.get(`=${count}`) ??
      options.get(pluralRules(locale).select(count)) ??
      options.get('other') ??
      '';
    return form.replace(/#/g, new Intl.NumberFormat(locale).format(count));
  });
  return filled.replace(/\{(\w+)\}/g, (whole, name: string) =>
    values && name in values ? String(values[name]) : whole,
  );
}
