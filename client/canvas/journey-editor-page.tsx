// The journey editor: palette, canvas, inspector, problems; autosave, undo/redo, copy/paste,
// auto-layout, publish with what changed, versions, pause/resume, export.
import { ClipboardPaste, Copy, Ellipsis, Flag, Network, Redo2, Trash2, Undo2 } from 'lucide-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Background,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type Edge,
  type IsValidConnection,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { NodeTypeDescription } from '../../shared/node-type';
import { useI18n } from '../i18n/i18n';
import { Link } from '../navigation';
import { useTRPC, useTRPCClient } from '../trpc';
import { Button } from '../ui/button';
import { Menu } from '../ui/menu';
import { Dialog } from '../ui/dialog';
import { edgeId, useEditor } from './editor-store';
import { flowNodeTypes } from './journey-node';
import { NodeTypesContext } from './node-types-context';
import { TemplateVariablesContext } from './variable-picker';
import { DateField } from '../ui/date-field';
import { dragFormat, Palette } from './palette';
import { Inspector } from './inspector';
import { ProblemsPanel } from './problems-panel';
import { PublishDialog } from './publish-dialog';
import { SimulationPanel } from '../simulation/simulation-panel';
import { takenKey, useSimulation } from '../simulation/simulation-store';
import { readBackup, useAutosave } from './use-autosave';
import { StatsContext, type StatsOverlay } from '../stats/stats-context';
import { NodeCustomersPanel } from '../stats/node-customers-panel';
import { StatsOverview } from '../stats/stats-overview';
import { GoalDialog, type Goal } from '../stats/goal-dialog';
import { useInspection } from './use-inspection';
import { useStagedNodes } from './use-staged-nodes';

const nodeWidth = 220;

function distanceToSegment(
  point: { x: number; y: number },
  a: { x: number; y: number },
  b: { x: number; y: number },
): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const lengthSquared = dx * dx + dy * dy || 1;
  const t = Math.max(0, Math.min(1, ((point.x - a.x) * dx + (point.y - a.y) * dy) / lengthSquared));
  return Math.hypot(point.x - (a.x + t * dx), point.y - (a.y + t * dy));
}

function Editor({ journeyId }: { journeyId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const flow = useReactFlow();
  const journey = useQuery(
    trpc.journeys.get.queryOptions({ id: journeyId }, { refetchOnWindowFocus: false }),
  );
  const nodeTypeList = useQuery(trpc.nodeTypes.list.queryOptions(undefined, { staleTime: Infinity }));
  const templateVariables = useQuery(
    trpc.journeys.variables.queryOptions({ id: journeyId }, { staleTime: 30_000 }),
  );
  const nodeTypes = useMemo(
    () => new Map((nodeTypeList.data ?? []).map((type) => [type.type, type as NodeTypeDescription])),
    [nodeTypeList.data],
  );
  const { nodes, edges, onNodesChange, onEdgesChange, onConnect } = useEditor(
    useShallow((state) => ({
      nodes: state.nodes,
      edges: state.edges,
      onNodesChange: state.onNodesChange,
      onEdgesChange: state.onEdgesChange,
      onConnect: state.onConnect,
    })),
  );
  const [loadedRevision, setLoadedRevision] = useState<number | null>(null);
  // A journey opened blank is not fitted to its first node when it is dropped (it would jump to the middle, zoomed).
  const [openedBlank, setOpenedBlank] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const [showVersions, setShowVersions] = useState(false);
  const [showGoal, setShowGoal] = useState(false);
  const [statsOn, setStatsOn] = useState(false);
  const [simulating, setSimulating] = useState(false);
  const [statsVersion, setStatsVersion] = useState('');
  const [statsFrom, setStatsFrom] = useState('');
  const [statsTo, setStatsTo] = useState('');
  const [customersOf, setCustomersOf] = useState<string | null>(null);
  const { formatNumber } = useI18n();
  const statsInput = {
    journeyId,
    versionId: statsVersion || undefined,
    from: statsFrom ? new Date(statsFrom).toISOString() : undefined,
    to: statsTo ? new Date(new Date(statsTo).getTime() + 86_400_000).toISOString() : undefined,
  };
  // Also read while stats are off when the journey has a goal: the canvas shows its conversion.
  const stats = useQuery(
    trpc.stats.journey.queryOptions(statsInput, {
      enabled: statsOn || Boolean(journey.data?.goal && journey.data.liveVersion),
      refetchInterval: statsOn ? 10_000 : 60_000,
    }),
  );
  const overlay = useMemo<StatsOverlay | null>(
    () => (statsOn && stats.data ? { stats: stats.data, openNode: setCustomersOf } : null),
    [statsOn, stats.data],
  );
  const taken = useSimulation((state) => state.taken);
  const shownEdges = useMemo(() => {
    if (!overlay && taken.size > 0)
      return edges.map((edge) =>
        taken.has(takenKey(edge.source, edge.sourceHandle ?? 'out', edge.target))
          ? { ...edge, animated: true, className: 'simulated-edge' }
          : edge,
      );
    if (!overlay) return edges;
    const volume = (edge: Edge) =>
      overlay.stats.nodes[edge.source]?.ports[edge.sourceHandle ?? 'out']?.passed ?? 0;
    const max = Math.max(1, ...edges.map(volume));
    return edges.map((edge) => ({
      ...edge,
      label: formatNumber(volume(edge)),
      style: { strokeWidth: 1.5 + (6 * volume(edge)) / max },
    }));
  }, [edges, overlay, formatNumber, taken]);
  const wrapper = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!journey.data || loadedRevision !== null) return;
    const backup = readBackup(journeyId, journey.data.draftRevision);
    useEditor.getState().load(backup ?? journey.data.draft);
    setOpenedBlank((backup ?? journey.data.draft).nodes.length === 0);
    if (backup) useEditor.setState((state) => ({ revision: state.revision + 1 }));
    else useEditor.getState().setInspection(journey.data.inspection);
    setLoadedRevision(journey.data.draftRevision);
  }, [journey.data, journeyId, loadedRevision]);

  const { status, flush } = useAutosave(journeyId, loadedRevision);
  useInspection(loadedRevision !== null);

  const addNodeOfType = useCallback(
    (type: NodeTypeDescription, position?: { x: number; y: number }) => {
      const state = useEditor.getState();
      const selected = state.nodes.find((node) => node.selected);
      const at =
        position ??
        (selected
          ? { x: selected.position.x, y: selected.position.y + 150 }
          : flow.screenToFlowPosition({
              x:
                (wrapper.current?.clientWidth ?? 800) / 2 +
                (wrapper.current?.getBoundingClientRect().left ?? 0),
              y: 160,
            }));
      const config = structuredClone((type.defaultConfig ?? {}) as Record<string, unknown>);
      if (position) {
        // Dropped onto a connection: insert it there.
        const hit = state.edges.find((edge) => {
          const source = state.nodes.find((node) => node.id === edge.source);
          const target = state.nodes.find((node) => node.id === edge.target);
          if (!source || !target) return false;
          const from = {
            x: source.position.x + (source.measured?.width ?? nodeWidth) / 2,
            y: source.position.y + (source.measured?.height ?? 80),
          };
          const to = {
            x: target.position.x + (target.measured?.width ?? nodeWidth) / 2,
            y: target.position.y,
          };
          return distanceToSegment({ x: position.x + nodeWidth / 2, y: position.y + 20 }, from, to) < 40;
        });
        if (hit && type.category !== 'trigger' && type.defaultPorts.length > 0) {
          state.insertOnEdge(hit.id, type.type, config, type.defaultPorts[0].id, position);
          return;
        }
      }
      // Added by a click while a node is selected: connected from its first free output, and the new
      // node selected — a path is built by clicking its steps in order.
      if (!position && selected && type.category !== 'trigger') {
        const ports =
          state.inspection.nodes[selected.id]?.ports ?? nodeTypes.get(selected.data.type)?.defaultPorts ?? [];
        const free = ports.find(
          (port) =>
            !state.edges.some(
              (edge) => edge.source === selected.id && (edge.sourceHandle ?? 'out') === port.id,
            ),
        );
        if (free) {
          const taken = ports.indexOf(free);
          state.addNodeAfter(selected.id, free.id, type.type, config, {
            x: at.x + (ports.length > 1 ? (taken - (ports.length - 1) / 2) * 280 : 0),
            y: at.y,
          });
          return;
        }
      }
      state.addNode(type.type, config, at);
    },
    [flow, nodeTypes],
  );

  const inspected = useEditor((state) => state.inspection.nodes);
  /** A node's readable name (see useNodeNames; the node types' context is provided below this component). */
  const nameOf = (nodeId: string) => {
    const node = nodes.find((candidate) => candidate.id === nodeId);
    return (
      node?.data.label || inspected[nodeId]?.summary || (node && nodeTypes.get(node.data.type)?.label) || '…'
    );
  };
  const large = nodes.length > 80;
  const staged = useStagedNodes(nodes, {
    loaded: loadedRevision !== null,
    large,
    pane: () => ({
      width: wrapper.current?.clientWidth || window.innerWidth,
      height: wrapper.current?.clientHeight || window.innerHeight,
    }),
    setViewport: useCallback((viewport) => void flow.setViewport(viewport), [flow]),
  });
  const { revealAll } = staged;
  const fitViewOptions = useMemo(() => ({ maxZoom: 1, minZoom: 0.1 }), []);
  // The minimap draws every node: for a large journey it comes once the canvas has painted.
  const [minimapReady, setMinimapReady] = useState(false);
  useEffect(() => {
    if (loadedRevision === null || minimapReady) return;
    if (!large) {
      setMinimapReady(true);
      return;
    }
    const idle = window.requestIdleCallback ?? ((callback: () => void) => window.setTimeout(callback, 200));
    const cancel = window.cancelIdleCallback ?? window.clearTimeout;
    const handle = idle(() => setMinimapReady(true), { timeout: 1500 });
    return () => cancel(handle);
  }, [large, loadedRevision, minimapReady]);

  const onDrop = useCallback(
    (event: DragEvent) => {
      event.preventDefault();
      const type = nodeTypes.get(event.dataTransfer.getData(dragFormat));
      if (!type) return;
      const position = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      addNodeOfType(type, { x: position.x - nodeWidth / 2, y: position.y - 20 });
    },
    [flow, nodeTypes, addNodeOfType],
  );

  const isValidConnection: IsValidConnection<Edge> = useCallback(
    (connection: Edge | Connection) => {
      if (connection.source === connection.target) return false;
      const state = useEditor.getState();
      const target = state.nodes.find((node) => node.id === connection.target);
      if (!target || nodeTypes.get(target.data.type)?.category === 'trigger') return false;
      const port = connection.sourceHandle ?? 'out';
      return !state.edges.some(
        (edge) => edge.source === connection.source && (edge.sourceHandle ?? 'out') === port,
      );
    },
    [nodeTypes],
  );

  // Shortcuts anywhere on the page, except while typing in a field.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (
        ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) ||
        target.isContentEditable ||
        document.querySelector('[role="dialog"]')
      )
        return;
      const mod = event.ctrlKey || event.metaKey;
      const state = useEditor.getState();
      const key = event.key.toLowerCase();
      if (mod && key === 'z' && !event.shiftKey) {
        event.preventDefault();
        state.undo();
      } else if (mod && (key === 'y' || (key === 'z' && event.shiftKey))) {
        event.preventDefault();
        state.redo();
      } else if (mod && key === 'c') {
        state.copySelection();
      } else if (mod && key === 'v') {
        event.preventDefault();
        state.paste();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const { staging } = staged;
  const focusNode = useCallback(
    (nodeId: string) => {
      useEditor.setState((state) => ({
        nodes: state.nodes.map((node) => ({ ...node, selected: node.id === nodeId })),
      }));
      const go = () => void flow.fitView({ nodes: [{ id: nodeId }], duration: 300, maxZoom: 1.2 });
      // A node still held back must be on the canvas and measured before the view can go to it.
      if (staging) {
        revealAll();
        window.setTimeout(go, 50);
      } else go();
    },
    [flow, revealAll, staging],
  );

  const setStatus = useMutation(
    trpc.journeys.setStatus.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({ queryKey: trpc.journeys.get.queryKey({ id: journeyId }) }),
    }),
  );
  const downloadCsv = async () => {
    const csv = await client.stats.csv.query(statsInput);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    link.download = 'journey-stats.csv';
    link.click();
    URL.revokeObjectURL(link.href);
  };
  const exportFile = async () => {
    await flush();
    const file = await client.journeys.export.query({ id: journeyId });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: 'application/json' }));
    link.download = `${file.name.replace(/[^\w-]+/g, '-').toLowerCase()}.waymark.json`;
    link.click();
    URL.revokeObjectURL(link.href);
  };

  if (journey.error)
    return (
      <main className="page">
        <p role="alert" className="error">
          {journey.error.message}
        </p>
      </main>
    );
  if (!journey.data || loadedRevision === null)
    return (
      <main className="page">
        <p>{t('editor.loading')}</p>
      </main>
    );
  const data = journey.data;
  const defaultTrigger = String(
    nodes.find((node) => node.data.type === 'trigger.event')?.data.config.event ?? '',
  );
  return (
    <NodeTypesContext.Provider value={nodeTypes}>
      <TemplateVariablesContext.Provider value={templateVariables.data ?? null}>
        <main className="editor">
          <header className="editor-header">
            <Link to="/">← {t('editor.back')}</Link>
            <h1>{data.name}</h1>
            <span className={`status status-${data.status}`}>{t(`journeys.status.${data.status}`)}</span>
            <span className="muted">
              {data.liveVersion ? t('editor.version', { version: data.liveVersion }) : t('editor.noVersion')}
            </span>
            <span className={`save-status save-${status}`} role="status">
              {t(`save.${status}`)}
            </span>
            <span className="spacer" />
            <span className="toolbar-group" role="group" aria-label={t('editor.views')}>
              <Button
                aria-pressed={statsOn}
                className={statsOn ? 'button-on' : ''}
                onClick={() => {
                  setStatsOn(!statsOn);
                  setCustomersOf(null);
                  setSimulating(false);
                  useSimulation.getState().clear();
                }}
              >
                {t('stats.toggle')}
              </Button>
              <Button onClick={() => setShowGoal(true)}>{t('stats.goal')}</Button>
              <Button
                aria-pressed={simulating}
                className={simulating ? 'button-on' : ''}
                onClick={() => {
                  if (simulating) useSimulation.getState().clear();
                  setSimulating(!simulating);
                  setStatsOn(false);
                }}
              >
                {t('simulate.toggle')}
              </Button>
            </span>
            <span className="toolbar-group" role="group" aria-label={t('editor.editing')}>
              <Button
                className="icon-button"
                onClick={() => useEditor.getState().undo()}
                aria-label={t('editor.undo')}
                title={t('editor.undo')}
              >
                <Undo2 size={16} aria-hidden />
              </Button>
              <Button
                className="icon-button"
                onClick={() => useEditor.getState().redo()}
                aria-label={t('editor.redo')}
                title={t('editor.redo')}
              >
                <Redo2 size={16} aria-hidden />
              </Button>
              <Button
                className="icon-button"
                onClick={() => useEditor.getState().copySelection()}
                aria-label={t('editor.copy')}
                title={t('editor.copy')}
              >
                <Copy size={16} aria-hidden />
              </Button>
              <Button
                className="icon-button"
                onClick={() => useEditor.getState().paste()}
                aria-label={t('editor.paste')}
                title={t('editor.paste')}
              >
                <ClipboardPaste size={16} aria-hidden />
              </Button>
              <Button
                className="icon-button"
                onClick={() => useEditor.getState().deleteSelection()}
                aria-label={t('editor.delete')}
                title={t('editor.delete')}
              >
                <Trash2 size={16} aria-hidden />
              </Button>
              <Button
                className="icon-button"
                onClick={() => {
                  revealAll();
                  useEditor.getState().autoLayout();
                  setTimeout(() => void flow.fitView({ duration: 300, padding: 0.15 }), 50);
                }}
                aria-label={t('editor.layout')}
                title={t('editor.layout')}
              >
                <Network size={16} aria-hidden />
              </Button>
            </span>
            {data.status === 'live' && (
              <Button onClick={() => setStatus.mutate({ id: journeyId, action: 'pause' })}>
                {t('editor.pause')}
              </Button>
            )}
            {data.status === 'paused' && (
              <Button onClick={() => setStatus.mutate({ id: journeyId, action: 'resume' })}>
                {t('editor.resume')}
              </Button>
            )}
            <Menu
              label={t('editor.more')}
              icon={<Ellipsis size={16} aria-hidden />}
              items={[
                { label: t('editor.versions'), onSelect: () => setShowVersions(true) },
                { label: t('editor.export'), onSelect: () => void exportFile() },
              ]}
            />
            <Button
              variant="primary"
              onClick={() => {
                void flush();
                setPublishing(true);
              }}
            >
              {t('editor.publish')}
            </Button>
          </header>
          {statsOn && (
            <div className="stats-bar">
              <label>
                {t('stats.version')}{' '}
                <select value={statsVersion} onChange={(event) => setStatsVersion(event.target.value)}>
                  <option value="">{t('stats.allVersions')}</option>
                  {stats.data?.versions.map((version) => (
                    <option key={version.id} value={version.id}>
                      v{version.version}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t('stats.from')}{' '}
                <DateField label={t('stats.from')} value={statsFrom} onChange={setStatsFrom} />
              </label>
              <label>
                {t('stats.to')} <DateField label={t('stats.to')} value={statsTo} onChange={setStatsTo} />
              </label>
              <Button onClick={() => void downloadCsv()}>{t('stats.csv')}</Button>
            </div>
          )}
          {status === 'conflict' && (
            <div role="alert" className="banner">
              {t('save.conflictBody')}{' '}
              <Button
                onClick={() => {
                  localStorage.removeItem(`waymark.draft.${journeyId}`);
                  window.location.reload();
                }}
              >
                {t('save.reload')}
              </Button>
            </div>
          )}
          <div className="editor-body">
            <Palette onAdd={(type) => addNodeOfType(type)} />
            <div
              className="canvas"
              ref={wrapper}
              aria-label={t('canvas.label')}
              onDragOver={(event) => {
                event.preventDefault();
                event.dataTransfer.dropEffect = 'move';
              }}
              onDrop={onDrop}
            >
              <StatsContext.Provider value={overlay}>
                <ReactFlow
                  nodes={staged.nodes}
                  edges={shownEdges}
                  nodeTypes={flowNodeTypes}
                  onNodesChange={onNodesChange}
                  onEdgesChange={onEdgesChange}
                  onConnect={onConnect}
                  onNodeDragStart={useEditor.getState().commit}
                  isValidConnection={isValidConnection}
                  deleteKeyCode={['Delete', 'Backspace']}
                  multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
                  fitView={!staged.opensAtStart && !openedBlank}
                  fitViewOptions={fitViewOptions}
                  minZoom={0.1}
                  onlyRenderVisibleElements={large}
                  defaultEdgeOptions={{ type: 'smoothstep' }}
                >
                  <Background />
                  <Panel position="top-right" className="goal-panel">
                    <button
                      type="button"
                      className="goal-card"
                      onClick={() => setShowGoal(true)}
                      aria-label={t('goal.card')}
                      data-testid="goal-card"
                    >
                      <Flag size={14} aria-hidden />
                      {data.goal ? (
                        <span>
                          {t('goal.onCanvas', { event: data.goal.event, days: data.goal.windowDays })}
                          {stats.data && (
                            <>
                              {' '}
                              ·{' '}
                              <strong>
                                {formatNumber(stats.data.conversionRate, {
                                  style: 'percent',
                                  maximumFractionDigits: 1,
                                })}
                              </strong>{' '}
                              {t('goal.converted', { count: stats.data.converted })}
                            </>
                          )}
                        </span>
                      ) : (
                        <span className="muted">{t('goal.none')}</span>
                      )}
                    </button>
                  </Panel>
                  <Controls />
                  {minimapReady && <MiniMap pannable zoomable />}
                </ReactFlow>
              </StatsContext.Provider>
            </div>
            <div className="side">
              {overlay && customersOf && (
                <NodeCustomersPanel
                  journeyId={journeyId}
                  nodeId={customersOf}
                  versionId={statsVersion || undefined}
                  nodeLabel={nameOf(customersOf)}
                  onClose={() => setCustomersOf(null)}
                />
              )}
              {overlay && !customersOf && (
                <StatsOverview stats={overlay.stats} graph={useEditor.getState().toGraph()} />
              )}
              {!overlay && simulating && (
                <SimulationPanel
                  journeyId={journeyId}
                  defaultTrigger={defaultTrigger}
                  onClose={() => setSimulating(false)}
                  beforeTest={flush}
                />
              )}
              {!overlay && !simulating && <Inspector />}
              <ProblemsPanel onFocusNode={focusNode} />
            </div>
          </div>
          <PublishDialog
            journeyId={journeyId}
            liveGraph={data.liveGraph}
            liveVersion={data.liveVersion}
            open={publishing}
            onOpenChange={setPublishing}
            beforePublish={flush}
          />
          <VersionsDialog journeyId={journeyId} open={showVersions} onOpenChange={setShowVersions} />
          {showGoal && (
            <GoalDialog
              journeyId={journeyId}
              goal={data.goal as Goal | null}
              open={showGoal}
              onOpenChange={setShowGoal}
            />
          )}
        </main>
      </TemplateVariablesContext.Provider>
    </NodeTypesContext.Provider>
  );
}

function VersionsDialog({
  journeyId,
  open,
  onOpenChange,
}: {
  journeyId: string;
  open: boolean;
  onOpenChange(open: boolean): void;
}) {
  const { t, formatDate } = useI18n();
  const trpc = useTRPC();
  const versions = useQuery(trpc.journeys.versions.queryOptions({ id: journeyId }, { enabled: open }));
  const restore = useMutation(
    trpc.journeys.restoreVersion.mutationOptions({
      onSuccess: () => {
        localStorage.removeItem(`waymark.draft.${journeyId}`);
        window.location.reload();
      },
    }),
  );
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t('versions.title')}>
      {versions.data?.length === 0 && <p className="muted">{t('versions.none')}</p>}
      <ul className="key-list">
        {versions.data?.map((version) => (
          <li key={version.id}>
            <strong>v{version.version}</strong>{' '}
            <span className="muted">{formatDate(version.published_at)}</span>
            <Button onClick={() => restore.mutate({ id: journeyId, version: version.version })}>
              {t('versions.restore', { version: version.version })}
            </Button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

export function JourneyEditorPage({ journeyId }: { journeyId: string }) {
  return (
    <ReactFlowProvider>
      <Editor journeyId={journeyId} />
    </ReactFlowProvider>
  );
}

export { edgeId };
