// The last simulation shown on the canvas: which nodes the customer passed (in order) and which
// connections he took.
import { create } from 'zustand';

interface SimulationState {
  /** Node id → the step numbers (1-based) at which the simulated customer was there. */
  visits: Map<string, number[]>;
  /** `source port target` of every connection taken. */
  taken: Set<string>;
  show(
    steps: Array<{ nodeId: string; port: string | null }>,
    next: (source: string, port: string) => string | undefined,
  ): void;
  clear(): void;
}

export const takenKey = (source: string, port: string, target: string) =>
  `${source}\u0000${port}\u0000${target}`;

export const useSimulation = create<SimulationState>((set) => ({
  visits: new Map(),
  taken: new Set(),
  show(steps, next) {
    const visits = new Map<string, number[]>();
    const taken = new Set<string>();
    steps.forEach((step, index) => {
      visits.set(step.nodeId, [...(visits.get(step.nodeId) ?? []), index + 1]);
      const target = step.port ? next(step.nodeId, step.port) : undefined;
      if (step.port && target) taken.add(takenKey(step.nodeId, step.port, target));
    });
    set({ visits, taken });
  },
  clear() {
    set({ visits: new Map(), taken: new Set() });
  },
}));
