// One readable name per node (its label, else what it does, else its type's name) and its ports'
// labels, for every place of the editor that speaks of a node: never its id.
import { useCallback } from 'react';
import { useI18n } from '../i18n/i18n';
import { useEditor } from './editor-store';
import { useNodeTypes } from './node-types-context';

export function useNodeNames(): {
  name(nodeId: string, fallbackType?: string): string;
  port(nodeId: string, portId: string): string;
} {
  const types = useNodeTypes();
  const { t } = useI18n();
  const nodes = useEditor((state) => state.nodes);
  const inspected = useEditor((state) => state.inspection.nodes);
  const name = useCallback(
    (nodeId: string, fallbackType?: string) => {
      const node = nodes.find((candidate) => candidate.id === nodeId);
      const type = node?.data.type ?? fallbackType;
      return (
        node?.data.label || inspected[nodeId]?.summary || (type && types.get(type)?.label) || type || '…'
      );
    },
    [nodes, inspected, types],
  );
  const port = useCallback(
    (nodeId: string, portId: string) => {
      const node = nodes.find((candidate) => candidate.id === nodeId);
      const ports = inspected[nodeId]?.ports ?? (node ? types.get(node.data.type)?.defaultPorts : undefined);
      const label = ports?.find((candidate) => candidate.id === portId)?.label;
      // A run that reached the goal leaves its open step by "converted", a port no node draws.
      if (label === undefined && portId === 'converted') return t('stats.converted');
      return label ?? portId;
    },
    [nodes, inspected, types, t],
  );
  return { name, port };
}
