/** What is known about a vehicle beyond its telemetry; every field optional, units in names. */
export interface DeviceFacts {
  model?: string;
  fleet?: string;
  firmware?: string;
  batteryKwh?: number;
  /** Displayed SoC the maker advises keeping in reserve. */
  reserveSocPct?: number;
  /** Displayed SoC at which the vehicle cuts propulsion (0–2 % in real cars). */
  cutoffSocPct?: number;
  heatPump?: boolean;
}
