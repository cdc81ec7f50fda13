// Liquid templates for messages: profile traits, trigger-event properties and journey variables.
// Safe by construction: no file system, own properties only (no prototype walking), limits on
// parse and render time and memory; a missing variable renders empty, never throws.
import { Liquid } from 'liquidjs';

const options = {
  templates: {},            // includes and layouts resolve against nothing: no file access
  ownPropertyOnly: true,
  strictVariables: false,
  strictFilters: true,      // an unknown filter is an error the author sees in the preview
  parseLimit: 100_000,
  renderLimit: 200,         // milliseconds
  memoryLimit: 10_000_000,
  cache: 500,
} as const;
const liquid = new Liquid(options);
/**
 * For HTML (an email's body): every output is HTML-escaped, so a trait or event property anyone
 * with the public write key can set ("<a href=…>") arrives as text. `| raw` outputs trusted HTML.
 */
const htmlLiquid = new Liquid({ ...options, outputEscape: 'escape' });

export interface TemplateData {
  profile: Record<string, unknown>;
  event: Record<string, unknown>;
  vars: Record<string, unknown>;
  links?: Record<string, string>;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const maxOutput = 500_000;

export async function renderTemplate(template: string, data: TemplateData, format: 'text' | 'html' = 'text'): Promise<string> {
  try {
    const output = await (format === 'html' ? htmlLiquid : liquid).parseAndRender(template, data);
    if (output.length > maxOutput) throw new TemplateError(`the rendered message is larger than ${maxOutput} characters`);
    return output;
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw new TemplateError(`template error: ${(error as Error).message}`);
  }
}

/** Renders one field of a message's content; a missing or non-text field renders empty. */
export function templateRenderer(data: TemplateData, format: 'text' | 'html' = 'text'): (template: unknown) => Promise<string> {
  return (template) => renderTemplate(typeof template === 'string' ? template : '', data, format);
}
