// Problems as the editor shows them: in the user's language, nodes by their readable names (never
// their ids), a setting by its field's label and its type's own words for what is wrong. The API
// and files keep the plain English messages with ids.
import { nodeDisplayName, type NamedNode } from '../../shared/node-names';
import {
  describeNodeType,
  localizedPorts,
  translationOf,
  type Locale,
  type NodeTypeDefinition,
  type NodeTypeRegistry,
} from '../../shared/node-type';
import type { GraphProblem } from '../../shared/validate-graph';

interface Words {
  node: string;
  port: string;
  field: string;
  detail: string;
  type: string;
}

const texts: Record<Locale, Record<GraphProblem['code'], (words: Words) => string>> = {
  en: {
    schema: (w) => `The journey file is not valid: ${w.field ? `${w.field}: ` : ''}${w.detail}`,
    'duplicate-node': (w) => `${w.node} appears twice`,
    'duplicate-edge': () => 'A connection appears twice',
    'unknown-type': (w) =>
      `${w.node}: this server has no step of type “${w.type}” (a plugin that is not loaded?)`,
    config: (w) => `${w.node}: ${w.field ? `${w.field}: ` : ''}${w.detail}`,
    'dangling-edge': () => 'A connection leads to a step that is no longer there',
    'unknown-port': (w) =>
      `${w.node} has no way out called “${w.port}” any more: connect its other outputs again`,
    'edge-into-trigger': (w) => `${w.node} starts the journey: nothing can lead into it`,
    'port-wired-twice': (w) => `“${w.port}” of ${w.node} is connected twice: a way out leads to one step`,
    'no-trigger': () => 'The journey needs a trigger to start it: drag one from Triggers',
    unreachable: (w) => `${w.node} cannot be reached from a trigger: connect it`,
    'unwired-port': (w) => `“${w.port}” of ${w.node} must be connected`,
    'cycle-without-wait': (w) => `${w.node} is on a loop without a wait: add a delay or a wait to the loop`,
  },
  de: {
    schema: (w) => `Die Journey-Datei ist ungültig: ${w.field ? `${w.field}: ` : ''}${w.detail}`,
    'duplicate-node': (w) => `${w.node} kommt zweimal vor`,
    'duplicate-edge': () => 'Eine Verbindung kommt zweimal vor',
    'unknown-type': (w) =>
      `${w.node}: Dieser Server kennt keinen Schritt vom Typ „${w.type}“ (ein Plugin, das nicht geladen ist?)`,
    config: (w) => `${w.node}: ${w.field ? `${w.field}: ` : ''}${w.detail}`,
    'dangling-edge': () => 'Eine Verbindung führt zu einem Schritt, den es nicht mehr gibt',
    'unknown-port': (w) =>
      `${w.node} hat keinen Ausgang „${w.port}“ mehr: verbinden Sie seine anderen Ausgänge neu`,
    'edge-into-trigger': (w) => `${w.node} startet die Journey: nichts kann in ihn hineinführen`,
    'port-wired-twice': (w) =>
      `„${w.port}“ von ${w.node} ist zweimal verbunden: ein Ausgang führt zu einem Schritt`,
    'no-trigger': () =>
      'Die Journey braucht einen Auslöser, der sie startet: ziehen Sie einen aus „Auslöser“',
    unreachable: (w) => `${w.node} ist von keinem Auslöser aus erreichbar: verbinden Sie ihn`,
    'unwired-port': (w) => `„${w.port}“ von ${w.node} muss verbunden sein`,
    'cycle-without-wait': (w) =>
      `${w.node} liegt in einer Schleife ohne Wartezeit: fügen Sie der Schleife eine Verzögerung oder ein Warten hinzu`,
  },
};

type SchemaNode = {
  title?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  $ref?: string;
  $defs?: Record<string, SchemaNode>;
};
const schemas = new WeakMap<NodeTypeDefinition, Partial<Record<Locale, SchemaNode>>>();

function configSchema(definition: NodeTypeDefinition, locale: Locale): SchemaNode {
  let byLocale = schemas.get(definition);
  if (!byLocale) schemas.set(definition, (byLocale = {}));
  return (byLocale[locale] ??= describeNodeType(definition, locale).configSchema as SchemaNode);
}

/** "variants.1.percent" → "Variants › 2 › Share (%)": the labels the inspector shows, positions counted from 1. */
function fieldLabel(definition: NodeTypeDefinition, field: string, locale: Locale): string {
  const root = configSchema(definition, locale);
  const labels: string[] = [];
  let schema: SchemaNode | undefined = root;
  const step = (node: SchemaNode | undefined): SchemaNode | undefined =>
    node?.$ref ? root.$defs?.[node.$ref.split('/').pop()!] : node;
  for (const name of field.split('.').filter(Boolean)) {
    schema = step(schema);
    if (/^\d+$/.test(name) && schema?.items) {
      labels.push(String(Number(name) + 1));
      schema = step(schema.items);
      continue;
    }
    const variants = [schema, ...(schema?.anyOf ?? []), ...(schema?.oneOf ?? [])].map(step);
    schema = variants.map((variant) => variant?.properties?.[name]).find(Boolean);
    labels.push(schema?.title ?? name);
  }
  return labels.join(' › ');
}

/** The problems in a language, with readable node names; `detail` says what a node's card shows. */
export function readableProblems(
  problems: readonly GraphProblem[],
  nodes: readonly NamedNode[],
  registry: NodeTypeRegistry,
  locale: Locale,
): GraphProblem[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  return problems.map((problem) => {
    const node = problem.nodeId ? byId.get(problem.nodeId) : undefined;
    const definition = node ? registry.get(node.type) : undefined;
    const detail = problem.detail
      ? ((definition && translationOf(definition, locale)?.messages?.[problem.detail]) ?? problem.detail)
      : '';
    const field =
      definition && problem.code === 'config' && problem.field
        ? fieldLabel(definition, problem.field, locale)
        : (problem.field ?? '');
    let port = problem.port ?? '';
    if (definition && node && problem.port) {
      const parsed = definition.config.safeParse(node.config ?? {});
      if (parsed.success)
        port =
          localizedPorts(definition, parsed.data, locale).find((candidate) => candidate.id === problem.port)
            ?.label ?? port;
    }
    // A config problem names its node: it has no settled summary, so its type's name (or its label) is used.
    const name =
      problem.code === 'config' && node && !node.label
        ? ((definition && (translationOf(definition, locale)?.label ?? definition.label)) ?? node.type)
        : nodeDisplayName(registry, node, locale);
    const words: Words = { node: name, port, field, detail, type: node?.type ?? '' };
    return {
      ...problem,
      message: texts[locale][problem.code](words),
      ...(problem.code === 'config' ? { detail: field ? `${field}: ${detail}` : detail } : {}),
    };
  });
}
