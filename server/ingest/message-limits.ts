// What a message must keep to before anything is written: values PostgreSQL can hold and the engine
// can walk. Checked per message, so one bad message in a batch is named and the rest are stored.
// Strings with a NUL (\u0000) or a lone UTF-16 surrogate are refused, not repaired: jsonb cannot
// hold the first, the second is not Unicode, and quietly changing what a client sent would make its
// data differ from what it believes it stored.

/** How deep objects and arrays may nest in a message. */
export const maxDepth = 32;
/** How many values (object members, array items) a message may hold in all. */
export const maxValues = 10_000;
/** The times an event may carry: PostgreSQL and every client agree on these. */
export const earliestTime = Date.UTC(1900, 0, 1);
export const latestTime = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface FieldProblem {
  field: string;
  message: string;
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (loneSurrogate.test(text))
    return 'contains a lone UTF-16 surrogate (such as \\ud800), which is not valid Unicode';
  return undefined;
}

/** The first value of a parsed JSON message that cannot be stored, with its path; undefined when all can. */
export function storableProblem(message: unknown): FieldProblem | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [
    { value: message, path: '', depth: 0 },
  ];
  let values = 0;
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { field: path, message: problem };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) return { field: path, message: `nested deeper than ${maxDepth} levels` };
    const entries = Array.isArray(value)
      ? value.map((item, index) => [String(index), item] as const)
      : Object.entries(value);
    values += entries.length;
    if (values > maxValues) return { field: path, message: `holds more than ${maxValues} values in all` };
    for (const [key, item] of entries) {
      const field = path ? `${path}.${key}` : key;
      if (!Array.isArray(value)) {
        const problem = textProblem(key);
        if (problem) return { field, message: `the key ${problem}` };
      }
      stack.push({ value: item, path: field, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Whether a time (ms since 1970) is one an event may carry. */
export function storableTime(time: number): boolean {
  return Number.isFinite(time) && time >= earliestTime && time <= latestTime;
}
