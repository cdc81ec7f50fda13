// A search term as an ILIKE pattern: "%term%", with the term's own % _ \ taken literally.
export function containsPattern(term: string): string {
  return `%${term.replace(/[%_\\]/g, (character) => `\\${character}`)}%`;
}
