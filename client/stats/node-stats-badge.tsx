// The numbers on a node in stats view: entered, waiting now, conversion rate, message outcomes.
import { useI18n } from '../i18n/i18n';
import { useStatsOverlay } from './stats-context';

export function NodeStatsBadge({ nodeId, label }: { nodeId: string; label: string }) {
  const overlay = useStatsOverlay();
  const { t, formatNumber } = useI18n();
  if (!overlay) return null;
  const stats = overlay.stats.nodes[nodeId];
  const percent = (value: number) => formatNumber(value, { style: 'percent', maximumFractionDigits: 1 });
  return (
    <button
      type="button"
      className="stats-badge nodrag"
      data-testid={`stats-${nodeId}`}
      aria-label={t('stats.open', { node: label })}
      onClick={() => overlay.openNode(nodeId)}
    >
      <span>
        <strong>{formatNumber(stats?.entered ?? 0)}</strong> {t('stats.entered')}
      </span>
      {(stats?.waiting ?? 0) > 0 && (
        <span>
          <strong>{formatNumber(stats!.waiting)}</strong> {t('stats.waiting')}
        </span>
      )}
      <span>
        <strong>{percent(stats?.conversionRate ?? 0)}</strong> {t('stats.converted')}
      </span>
      {stats?.firstTouch || stats?.lastTouch ? (
        <span className="messages">
          first touch {formatNumber(stats.firstTouch ?? 0)} · last touch {formatNumber(stats.lastTouch ?? 0)}
        </span>
      ) : null}
      {stats?.messages && (
        <span className="messages">
          {Object.entries(stats.messages)
            .map(([status, count]) => `${status} ${formatNumber(count)}`)
            .join(' · ')}
        </span>
      )}
    </button>
  );
}

/** The count and rate under one output port (a branch or variant), with the significance mark. */
export function PortStats({ nodeId, portId }: { nodeId: string; portId: string }) {
  const overlay = useStatsOverlay();
  const { t, formatNumber } = useI18n();
  const port = overlay?.stats.nodes[nodeId]?.ports[portId];
  if (!overlay) return null;
  // Every port of a node with stats shows a figure, none passed as well.
  if (!port) return <span className="port-stats">{formatNumber(0)}</span>;
  const rate = formatNumber(port.conversionRate, { style: 'percent', maximumFractionDigits: 1 });
  return (
    <span
      className="port-stats"
      title={
        port.test
          ? `${t(port.test.significant ? 'stats.significant' : 'stats.notSignificant')} (p = ${port.test.pValue.toFixed(3)})`
          : undefined
      }
    >
      {formatNumber(port.passed)} · {rate}
      {port.test?.significant ? ' ★' : ''}
    </span>
  );
}
