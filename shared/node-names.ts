// One readable name per node, wherever a user sees one: its label on the canvas, else what the
// node does ("Email “You left something behind”", "Wait for Order Completed up to 3 days"), else
// its type's name. Ids stay in files and the API.
import { localizedSummary, translationOf, type Locale, type NodeTypeRegistry } from './node-type';

export interface NamedNode {
  id: string;
  type: string;
  label?: string;
  config?: unknown;
}

/** The name of a node type in a language (a plugin without a translation keeps its own). */
export function typeLabel(registry: NodeTypeRegistry, type: string, locale: Locale): string | undefined {
  const definition = registry.get(type);
  return definition && (translationOf(definition, locale)?.label ?? definition.label);
}

export function nodeDisplayName(
  registry: NodeTypeRegistry,
  node: NamedNode | undefined,
  locale: Locale = 'en',
): string {
  if (!node) return locale === 'de' ? 'ein entfernter Schritt' : 'a removed step';
  if (node.label) return node.label;
  const definition = registry.get(node.type);
  if (!definition)
    return locale === 'de' ? `Unbekannter Schritt (${node.type})` : `Unknown step (${node.type})`;
  const parsed = definition.config.safeParse(node.config ?? {});
  if (parsed.success) {
    try {
      return localizedSummary(definition, parsed.data, locale);
    } catch {
      /* a plugin's summary that throws: its type's name below */
    }
  }
  return typeLabel(registry, node.type, locale)!;
}

/** Names for every node of a graph, by id. */
export function nodeNames(
  registry: NodeTypeRegistry,
  nodes: readonly NamedNode[],
  locale: Locale = 'en',
): Map<string, string> {
  return new Map(nodes.map((node) => [node.id, nodeDisplayName(registry, node, locale)]));
}
