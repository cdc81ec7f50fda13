// Renders one Liquid template, in a worker thread of the template pool (server/channels/templates.ts):
// a template that loops or allocates without end stalls or kills this thread, never the server.
// Plain JavaScript, so every runner (node, tsx, vitest) can start it as it is.
import { Liquid } from 'liquidjs';

const options = {
  templates: {}, // includes and layouts resolve against nothing: no file access
  ownPropertyOnly: true,
  strictVariables: false,
  strictFilters: true, // an unknown filter is an error the author sees in the preview
  parseLimit: 100_000,
  renderLimit: 200, // milliseconds of Liquid's own accounting; the pool's timeout is the hard stop
  memoryLimit: 10_000_000,
  cache: 500,
};
const engines = {
  text: new Liquid(options),
  // For HTML (an email's body): every output is HTML-escaped; `| raw` outputs trusted HTML.
  html: new Liquid({ ...options, outputEscape: 'escape' }),
};

// A range wider than this is refused before it is built ({{ (1..9999999) | sort }}).
const maxRange = 10_000;
const rangePattern = /\(\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*\)/g;

export default async function render({ template, data, format }) {
  for (const [, from, to] of template.matchAll(rangePattern)) {
    if (Math.abs(Number(to) - Number(from)) > maxRange)
      throw new Error(`a range may hold at most ${maxRange} numbers`);
  }
  return engines[format === 'html' ? 'html' : 'text'].parseAndRender(template, data);
}
