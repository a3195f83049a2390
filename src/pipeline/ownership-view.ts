export interface OwnershipChange {
  gained: number[];
  lost: number[];
}

/**
 * What the derived pipeline, the alert engine and the delivery worker need to know of device
 * ownership (DeviceOwnership provides it): with several processes on one store, each device's
 * derived work runs only in the process holding the lease of the device's partition.
 */
export interface OwnershipView {
  /** Local view, no I/O: may this process do the device's derived work now? */
  owns(deviceId: string): boolean;
  partitionOf(deviceId: string): number;
  ownedPartitions(): number[];
  /** Fencing before what cannot be undone: asks the lease store whether we still hold the device's partition at the same epoch. */
  confirm(deviceId: string): Promise<boolean>;
  onChange(listener: (change: OwnershipChange) => void): () => void;
}
