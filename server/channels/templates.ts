// Liquid templates for messages: profile traits, trigger-event properties and journey variables.
// Safe by construction: no file system, own properties only (no prototype walking), limits on
// parse and render time and memory; a missing variable renders empty, never throws.
import Piscina from 'piscina';
// The same engines as the threads', for templates that cannot loop (see outputsOnly).
// @ts-expect-error a plain JavaScript module without type declarations
import renderInThread from './template-worker.mjs';

/** A render that takes longer than this is stopped: its thread is terminated. */
export const renderTimeoutMilliseconds = 1000;

/**
 * Templates render in worker threads (server/channels/template-worker.mjs), each with a heap cap:
 * a hostile template ({% for i in (1..10000000) %}, a huge sort) stalls or exhausts its thread,
 * which is terminated after the timeout — the event loop serving /healthz and the API never waits.
 */
let pool: Piscina | null = null;
function templatePool(): Piscina {
  pool ??= new Piscina({
    filename: new URL('./template-worker.mjs', import.meta.url).href,
    minThreads: 1,
    maxThreads: 2,
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 },
  });
  return pool;
}

/** Stops the template threads (at shutdown). */
export async function closeTemplatePool(): Promise<void> {
  const running = pool;
  pool = null;
  await running?.destroy();
}

export interface TemplateData {
  profile: Record<string, unknown>;
  event: Record<string, unknown>;
  vars: Record<string, unknown>;
  /** The profile's group (its traits and id); empty when it has none. */
  group?: Record<string, unknown>;
  links?: Record<string, string>;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const maxOutput = 500_000;

/**
 * Only output tags, no range: {{ profile.firstName | upcase }}. Such a template cannot loop; it
 * renders in time and memory proportional to itself and its data, so it renders here, without the
 * round trip to a thread (most subjects and bodies are of this kind).
 */
const renderHere = renderInThread as (job: {
  template: string;
  data: TemplateData;
  format: 'text' | 'html';
}) => Promise<string>;

function outputsOnly(template: string): boolean {
  return !template.includes('{%') && !template.includes('..');
}

export async function renderTemplate(
  template: string,
  data: TemplateData,
  format: 'text' | 'html' = 'text',
): Promise<string> {
  // No Liquid in it: nothing to render (most subjects and many bodies), no thread needed.
  if (!template.includes('{')) return template;
  let output: string;
  try {
    output = outputsOnly(template)
      ? await renderHere({ template, data, format })
      : await templatePool().run(
          { template, data, format },
          { signal: AbortSignal.timeout(renderTimeoutMilliseconds) },
        );
  } catch (error) {
    const { name, code, message } = error as { name?: string; code?: string; message: string };
    if (name === 'AbortError' || name === 'TimeoutError')
      throw new TemplateError(
        `template error: rendering took longer than ${renderTimeoutMilliseconds} ms and was stopped`,
      );
    if (code === 'ERR_WORKER_OUT_OF_MEMORY')
      throw new TemplateError('template error: rendering used too much memory and was stopped');
    throw new TemplateError(`template error: ${message}`);
  }
  if (output.length > maxOutput)
    throw new TemplateError(`the rendered message is larger than ${maxOutput} characters`);
  return output;
}

/** Renders one field of a message's content; a missing or non-text field renders empty. */
export function templateRenderer(
  data: TemplateData,
  format: 'text' | 'html' = 'text',
): (template: unknown) => Promise<string> {
  return (template) => renderTemplate(typeof template === 'string' ? template : '', data, format);
}
