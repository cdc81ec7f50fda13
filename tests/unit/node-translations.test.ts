// Every built-in node type speaks German: label, description, ports, field labels with help,
// summary and its own validation messages; problems name nodes and fields, never ids; templates
// come in German with valid graphs.
import { describe, expect, it } from 'vitest';
import { inspectGraph } from '../../server/journeys/inspect-graph';
import { createRegistry, describeNodeType } from '../../shared/node-type';
import { builtInNodeTypes } from '../../shared/nodes';
import { journeyTemplates, localizedTemplate } from '../../shared/templates';
import { validateGraph } from '../../shared/validate-graph';

const registry = createRegistry(builtInNodeTypes);
type Schema = { properties?: Record<string, { title?: string; description?: string }> };

describe('node types in German', () => {
  it.each(builtInNodeTypes.map((definition) => [definition.type, definition] as const))(
    '%s has German words for everything the inspector shows',
    (_type, definition) => {
      const english = describeNodeType(definition, 'en');
      const german = describeNodeType(definition, 'de');
      expect(definition.translations?.de?.label).toBeTruthy();
      expect(german.description).not.toBe(english.description);
      for (const [name, field] of Object.entries((english.configSchema as Schema).properties ?? {})) {
        expect(field.title, `${definition.type}.${name} has an English label`).toBeTruthy();
        const translated = (german.configSchema as Schema).properties![name];
        expect(translated.title, `${definition.type}.${name} has a German label`).toBeTruthy();
        if (field.description)
          expect(translated.description, `${definition.type}.${name} has German help`).not.toBe(
            field.description,
          );
      }
      // Fixed ports are named in German ("next" → "weiter"); the ports of splits are named by their config.
      const named = new Set(Object.keys(definition.translations?.de?.ports ?? {}));
      const configNamed = definition.type === 'condition.ab' || definition.type === 'condition.split';
      for (const port of english.defaultPorts)
        if (!configNamed || port.id === 'else')
          expect(named.has(port.id), `${definition.type} port ${port.id} in German`).toBe(true);
    },
  );

  it('a node added in German starts with German text where the default is words, and that config is valid', () => {
    const german = (type: string) =>
      describeNodeType(registry.get(type)!, 'de').defaultConfig as Record<string, unknown>;
    expect(german('action.goal').name).toBe('Konvertiert');
    expect(german('touchpoint.email').subject).toMatch(/^Hallo /);
    expect(german('touchpoint.sms').body).toMatch(/^Hallo /);
    expect(german('touchpoint.push').title).toBe('Neues für Sie');
    expect(
      (describeNodeType(registry.get('action.goal')!, 'en').defaultConfig as Record<string, unknown>).name,
    ).toBe('Converted');
    // Every translated default is a whole valid config (a wrong one would silently fall back to English).
    for (const definition of builtInNodeTypes) {
      const defaults = definition.translations?.de?.defaults;
      if (defaults) expect(definition.config.safeParse(defaults).success, definition.type).toBe(true);
    }
  });

  it('the summary, the ports and the problems of a graph come in German, with names instead of ids', () => {
    const graph = {
      schemaVersion: 1,
      nodes: [
        { id: 'start', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Cart Abandoned' } },
        {
          id: 'mail-1',
          type: 'touchpoint.email',
          position: { x: 0, y: 100 },
          config: { subject: '', html: '<p>Hallo</p>' },
        },
        {
          id: 'wait-1',
          type: 'wait.delay',
          position: { x: 0, y: 200 },
          config: { duration: { amount: 3, unit: 'days' } },
        },
      ],
      edges: [],
    };
    const german = inspectGraph(graph, registry, 'de');
    expect(german.nodes.start).toEqual({
      summary: 'Bei Cart Abandoned',
      ports: [{ id: 'out', label: 'weiter', required: true }],
    });
    expect(german.nodes['wait-1'].summary).toBe('3 Tage warten');
    const messages = german.problems.map((problem) => problem.message);
    expect(messages).toContain('E-Mail: Betreff: Eine E-Mail braucht einen Betreff');
    expect(messages).toContain('„weiter“ von Bei Cart Abandoned muss verbunden sein');
    expect(messages).toContain('3 Tage warten ist von keinem Auslöser aus erreichbar: verbinden Sie ihn');
    expect(german.problems.find((problem) => problem.nodeId === 'mail-1')?.detail).toBe(
      'Betreff: Eine E-Mail braucht einen Betreff',
    );
    for (const message of messages) expect(message).not.toMatch(/start|mail-1|wait-1/);
    // The same graph in English reads as English, also without ids.
    const english = inspectGraph(graph, registry, 'en').problems.map((problem) => problem.message);
    expect(english).toContain('Email: Subject: an email needs a subject');
    expect(english).toContain('“next” of When Cart Abandoned must be connected');
  });

  it('a field inside a list is named by its labels and position', () => {
    const graph = {
      schemaVersion: 1,
      edges: [],
      nodes: [
        {
          id: 'ab',
          type: 'condition.ab',
          position: { x: 0, y: 0 },
          config: {
            variants: [
              { id: 'a', label: 'A', percent: 50 },
              { id: 'b b', label: 'B', percent: 50 },
            ],
          },
        },
      ],
    };
    const problem = inspectGraph(graph, registry, 'de').problems.find(
      (candidate) => candidate.code === 'config',
    )!;
    expect(problem.detail).toBe(
      'Varianten › 2 › Schlüssel: Ein Schlüssel besteht aus Buchstaben, Ziffern, „_“ und „-“',
    );
  });

  it.each(journeyTemplates.map((template) => [template.id, template] as const))(
    'template %s comes in German and its graph is valid',
    (_id, template) => {
      const german = localizedTemplate(template, 'de');
      expect(german.name).not.toBe(template.name);
      expect(validateGraph(german.graph, registry).problems).toEqual([]);
      expect(german.graph.nodes.map((node) => node.id)).toEqual(template.graph.nodes.map((node) => node.id));
    },
  );
});
