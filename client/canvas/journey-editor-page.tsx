// One journey: its name and status over the canvas of its draft.
import { useQuery } from '@tanstack/react-query';
import { Background, Controls, MiniMap, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo } from 'react';
import { useI18n } from '../i18n/i18n';
import { navigate } from '../navigation';
import { useTRPC } from '../trpc';

export function JourneyEditorPage({ journeyId }: { journeyId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const journey = useQuery(trpc.journeys.get.queryOptions({ id: journeyId }));
  const { nodes, edges } = useMemo(() => {
    const draft = journey.data?.draft;
    const flowNodes: Node[] = (draft?.nodes ?? []).map((node) => ({ id: node.id, position: node.position, data: { label: node.label ?? node.type } }));
    const flowEdges: Edge[] = (draft?.edges ?? []).map((edge) => ({ id: edge.id, source: edge.source, target: edge.target, sourceHandle: edge.sourcePort, label: edge.sourcePort === 'out' ? undefined : edge.sourcePort }));
    return { nodes: flowNodes, edges: flowEdges };
  }, [journey.data?.draft]);

  if (journey.isPending) return <main className="page"><p>{t('editor.loading')}</p></main>;
  if (journey.error) return <main className="page"><p role="alert" className="error">{journey.error.message}</p></main>;
  const data = journey.data;
  return (
    <main className="editor">
      <header className="editor-header">
        <a href="/" onClick={(event) => { event.preventDefault(); navigate('/'); }}>← {t('editor.back')}</a>
        <h1>{data.name}</h1>
        <span className={`status status-${data.status}`}>{t(`journeys.status.${data.status}`)}</span>
        <span className="muted">{data.liveVersion ? t('editor.version', { version: data.liveVersion }) : t('editor.noVersion')}</span>
      </header>
      <div className="canvas" aria-label="Journey canvas">
        <ReactFlow nodes={nodes} edges={edges} fitView>
          <Background />
          <Controls />
          <MiniMap pannable zoomable />
        </ReactFlow>
      </div>
    </main>
  );
}
