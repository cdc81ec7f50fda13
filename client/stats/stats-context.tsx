// The stats shown over the canvas, for the nodes to read; null when the overlay is off.
import { createContext, useContext } from 'react';
import type { JourneyStats } from '../../server/stats/journey-stats';

export interface StatsOverlay {
  stats: JourneyStats;
  openNode(nodeId: string): void;
}

export const StatsContext = createContext<StatsOverlay | null>(null);

export function useStatsOverlay(): StatsOverlay | null {
  return useContext(StatsContext);
}
