// Plugins: modules named in WAYMARK_PLUGINS (or waymark.config.json "plugins") export node types.
// All are loaded and checked before any is registered; a plugin that fails to load or declares a
// bad type stops start-up with a message naming the plugin — it never half-registers.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { nodeCategories, type NodeTypeDefinition } from '../../shared/node-type';

export class PluginError extends Error {
  constructor(
    readonly plugin: string,
    reason: string,
  ) {
    super(`plugin "${plugin}": ${reason}`);
    this.name = 'PluginError';
  }
}

const definitionShape = z.object({
  type: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]*\.[a-z][a-z0-9.-]*$/,
      'a type id is "vendor.name" in lower case, e.g. "acme.create-task"',
    ),
  version: z.number().int().min(1, 'version is a whole number from 1'),
  category: z.enum(nodeCategories),
  label: z.string().min(1).max(80),
  description: z.string().max(500),
  icon: z.string().min(1).max(40),
  config: z.custom<z.ZodType>(
    (value) => Boolean(value && typeof (value as z.ZodType).safeParse === 'function'),
    'config must be a zod schema (use the z exported by shared/sdk)',
  ),
  ports: z.custom<(config: unknown) => unknown>(
    (value) => typeof value === 'function',
    'ports must be a function of the config',
  ),
  summary: z.custom<(config: unknown) => unknown>(
    (value) => typeof value === 'function',
    'summary must be a function of the config',
  ),
  execute: z.custom<(...args: unknown[]) => unknown>(
    (value) => typeof value === 'function',
    'execute must be a function',
  ),
});

/** The plugin names from the environment, else from waymark.config.json. */
export function configuredPlugins(fromEnvironment: string | undefined, cwd = process.cwd()): string[] {
  if (fromEnvironment?.trim())
    return fromEnvironment
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
  const file = path.join(cwd, 'waymark.config.json');
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { plugins?: unknown };
  return Array.isArray(parsed.plugins) ? parsed.plugins.map(String) : [];
}

function checkDefinition(plugin: string, candidate: unknown): NodeTypeDefinition {
  const shape = definitionShape.safeParse(candidate);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    const name = (candidate as { type?: unknown })?.type;
    throw new PluginError(
      plugin,
      `node type ${typeof name === 'string' ? `"${name}"` : '(unnamed)'}: ${issue.path.join('.') || 'definition'}: ${issue.message}`,
    );
  }
  const definition = candidate as NodeTypeDefinition;
  // Its defaults must make a config, with ports and a summary, or the palette cannot offer it.
  const defaults = definition.config.safeParse({});
  try {
    if (defaults.success) {
      const ports = definition.ports(defaults.data);
      if (!Array.isArray(ports)) throw new Error('ports() must return a list of ports');
      String(definition.summary(defaults.data));
    }
    z.toJSONSchema(definition.config, { io: 'input', unrepresentable: 'any' });
  } catch (error) {
    throw new PluginError(plugin, `node type "${definition.type}": ${(error as Error).message}`);
  }
  return definition;
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Imports a plugin. The compiled server runs on plain Node, which cannot import TypeScript: a
 * plugin written in it is loaded through tsx when that is installed (npm install tsx), else the
 * error says to install it or compile the plugin to JavaScript.
 */
async function importPlugin(specifier: string): Promise<Record<string, unknown>> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION' ||
      !/\.[cm]?ts$/.test(specifier)
    )
      throw error;
    typeScriptLoader ??= import('tsx/esm/api').then(
      (tsx) => {
        tsx.register();
      },
      () => {
        throw new Error(
          'it is TypeScript: install tsx (npm install tsx) or compile the plugin to JavaScript',
        );
      },
    );
    await typeScriptLoader;
    return (await import(specifier)) as Record<string, unknown>;
  }
}

export async function loadPlugins(
  names: readonly string[],
  taken: ReadonlySet<string>,
  cwd = process.cwd(),
): Promise<NodeTypeDefinition[]> {
  const loaded: NodeTypeDefinition[] = [];
  const seen = new Set(taken);
  for (const name of names) {
    const specifier =
      name.startsWith('.') || name.startsWith('/') ? pathToFileURL(path.resolve(cwd, name)).href : name;
    let module: Record<string, unknown>;
    try {
      module = await importPlugin(specifier);
    } catch (error) {
      throw new PluginError(name, `could not be loaded: ${(error as Error).message.split('\n')[0]}`);
    }
    const exported =
      module.nodeTypes ??
      (module.default as { nodeTypes?: unknown } | undefined)?.nodeTypes ??
      module.default;
    const list = Array.isArray(exported) ? exported : exported ? [exported] : [];
    if (list.length === 0)
      throw new PluginError(name, 'exports no node types (export const nodeTypes = [defineNodeType({…})])');
    for (const candidate of list) {
      const definition = checkDefinition(name, candidate);
      if (seen.has(definition.type))
        throw new PluginError(name, `node type "${definition.type}" is already defined`);
      seen.add(definition.type);
      loaded.push(definition);
    }
  }
  return loaded;
}
