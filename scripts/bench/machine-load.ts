import { cpus, loadavg } from 'node:os';

/** The 1-min load average when the benchmark started (this module is imported first thing): what else was running. */
const atStart = loadavg()[0]!;

/**
 * What the machine was doing, measured rather than assumed: the core count, the 1-min load
 * average before the benchmark started (other work) and at its end (the benchmark included).
 * Figures from a machine whose load before the run was under half a core are called quiet.
 */
export function machineLoad(): { cores: number; load_1m_at_start: number; load_1m_at_end: number; machine: string } {
  const round = (l: number) => Math.round(l * 100) / 100;
  const quiet = atStart < 0.5;
  return {
    cores: cpus().length,
    load_1m_at_start: round(atStart),
    load_1m_at_end: round(loadavg()[0]!),
    machine: quiet ? 'quiet before the run (1-min load < 0.5)' : `busy before the run (1-min load ${atStart.toFixed(2)} on ${cpus().length} cores): figures include waiting for a CPU`,
  };
}
