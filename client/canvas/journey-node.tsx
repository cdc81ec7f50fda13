// A node on the canvas: icon, label, one-line summary, problems, an input on top and one labelled
// output per port below. Memoised: dragging one node does not re-render the others.
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo, type CSSProperties } from 'react';
import type { PortSpec } from '../../shared/node-type';
import { useEditor, type JourneyFlowNode } from './editor-store';
import { useNodeTypes } from './node-types-context';
import { NodeStatsBadge, PortStats } from '../stats/node-stats-badge';
import { useStatsOverlay } from '../stats/stats-context';
import { useSimulation } from '../simulation/simulation-store';
import { NodeIcon } from '../ui/node-icon';
import { useI18n } from '../i18n/i18n';

const noPorts: PortSpec[] = [];

function JourneyNodeView({ id, data, selected }: NodeProps<JourneyFlowNode>) {
  const { t } = useI18n();
  const description = useNodeTypes().get(data.type);
  const inspected = useEditor((state) => state.inspection.nodes[id]);
  const problems = useEditor((state) =>
    state.inspection.problems
      .filter((problem) => problem.nodeId === id)
      .map((problem) => problem.message)
      .join('\n'),
  );
  // A node whose settings are not complete says what is missing, not what the node type does.
  const unfinished = useEditor(
    (state) =>
      state.inspection.problems.find((problem) => problem.nodeId === id && problem.code === 'config')?.detail,
  );
  const ports = inspected?.ports ?? description?.defaultPorts ?? noPorts;
  const category = description?.category ?? 'action';
  const visits = useSimulation((state) => state.visits.get(id));
  const overlay = useStatsOverlay();
  return (
    <div
      className={`journey-node category-${category}${overlay && ports.length > 0 ? ' with-port-stats' : ''}${selected ? ' selected' : ''}${problems ? ' has-problem' : ''}${visits ? ' simulated' : ''}`}
      data-testid={`node-${id}`}
      data-simulated-steps={visits?.join(',')}
      aria-label={`${data.label || description?.label || data.type} node`}
      title={problems || undefined}
    >
      {category !== 'trigger' && (
        <Handle type="target" position={Position.Top} id="in" className="handle-in" />
      )}
      <div className="node-title">
        <span className="node-icon" aria-hidden="true">
          <NodeIcon name={description?.icon} size={15} />
        </span>
        <span className="node-label">{data.label || description?.label || data.type}</span>
        {problems && (
          <span className="node-problem" role="img" aria-label="has problems">
            ⚠
          </span>
        )}
        {visits && (
          <span className="sim-order" aria-label={`simulated step ${visits.join(', ')}`}>
            {visits.join(',')}
          </span>
        )}
      </div>
      {unfinished ? (
        <div className="node-summary node-unfinished" data-testid={`unfinished-${id}`}>
          {t('node.unfinished', { problem: unfinished })}
        </div>
      ) : (
        <div className="node-summary">{inspected?.summary ?? description?.description ?? ''}</div>
      )}
      <NodeStatsBadge nodeId={id} label={data.label || description?.label || data.type} />
      {ports.length > 0 && (
        <div className="node-ports">
          {ports.map((port, index) => (
            <div
              key={port.id}
              className="node-port"
              style={
                {
                  left: `${((index + 1) / (ports.length + 1)) * 100}%`,
                  '--port-slots': ports.length + 1,
                } as CSSProperties
              }
            >
              {(ports.length > 1 || port.id !== 'out') && (
                <span className="port-label" data-testid={`port-label-${id}-${port.id}`} title={port.label}>
                  <span className="port-name">{port.label}</span>
                  <PortStats nodeId={id} portId={port.id} />
                </span>
              )}
              <Handle
                type="source"
                position={Position.Bottom}
                id={port.id}
                className="handle-out"
                data-port={port.id}
              />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

export const JourneyNode = memo(JourneyNodeView);
/** Defined once, outside components, as React Flow asks. */
export const flowNodeTypes = { journey: JourneyNode };
