// The journey at a glance: entries, conversion, entries over time and the funnel, as charts.
import type { JourneyGraph } from '../../shared/graph';
import type { JourneyStats } from '../../server/stats/journey-stats';
import { useI18n } from '../i18n/i18n';
import { useNodeNames } from '../canvas/node-name';

/** Nodes in the order customers meet them (breadth-first from the triggers). */
function pathOrder(graph: JourneyGraph): string[] {
  const incoming = new Set(graph.edges.map((edge) => edge.target));
  const queue = graph.nodes.filter((node) => !incoming.has(node.id)).map((node) => node.id);
  const seen = new Set(queue);
  for (let index = 0; index < queue.length; index++) {
    for (const edge of graph.edges) {
      if (edge.source === queue[index] && !seen.has(edge.target)) {
        seen.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  return queue;
}

export function StatsOverview({ stats, graph }: { stats: JourneyStats; graph: JourneyGraph }) {
  const { t, formatNumber } = useI18n();
  const days = stats.entriesByDay.slice(-30);
  const maxDay = Math.max(1, ...days.map((day) => day.entries));
  const { name } = useNodeNames();
  const labels = new Map(graph.nodes.map((node) => [node.id, node.label || name(node.id, node.type)]));
  const funnel = pathOrder(graph)
    .map((id) => ({ id, entered: stats.nodes[id]?.entered ?? 0 }))
    .slice(0, 10);
  const maxFunnel = Math.max(1, ...funnel.map((step) => step.entered));
  return (
    <section className="stats-overview" aria-label={t('stats.overview')}>
      <h2>{t('stats.overview')}</h2>
      <p>
        <strong>{formatNumber(stats.entries)}</strong> {t('stats.entries')} ·{' '}
        <strong>{formatNumber(stats.conversionRate, { style: 'percent', maximumFractionDigits: 1 })}</strong>{' '}
        {t('stats.conversion')} ({formatNumber(stats.converted)})
      </p>
      <h3>{t('stats.entriesOverTime')}</h3>
      <svg
        role="img"
        aria-label={t('stats.entriesOverTime')}
        viewBox={`0 0 ${Math.max(days.length, 1) * 12} 60`}
        className="chart"
      >
        {days.map((day, index) => {
          const height = (day.entries / maxDay) * 56;
          return (
            <rect key={day.day} x={index * 12 + 1} y={58 - height} width={10} height={height} className="bar">
              <title>{`${day.day}: ${day.entries}`}</title>
            </rect>
          );
        })}
      </svg>
      <h3>{t('stats.funnel')}</h3>
      <ul className="funnel" aria-label={t('stats.funnel')}>
        {funnel.map((step) => (
          <li key={step.id}>
            <span className="funnel-label">{labels.get(step.id)}</span>
            <span className="funnel-bar" style={{ width: `${(step.entered / maxFunnel) * 100}%` }} />
            <span className="funnel-value">{formatNumber(step.entered)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
