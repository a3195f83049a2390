/** How often the simulator injects each kind of moment, per device-day (expected counts). */
export interface InjectionRates {
  breakdownPerDeviceDay: number;
  shortfallPerDeviceDay: number;
  lookalikePerDeviceDay: number;
}

/** At these rates 100 devices × 7 days give well over 100 of each kind while most legs stay ordinary. */
export const DEFAULT_INJECTION_RATES: InjectionRates = {
  breakdownPerDeviceDay: 0.25,
  shortfallPerDeviceDay: 0.24,
  lookalikePerDeviceDay: 0.5,
};
