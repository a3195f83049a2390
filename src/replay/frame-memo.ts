/**
 * Serialised frames shared within one tick: players on the same device, range, speed and anchor
 * (clients watching the same replay together) produce the same frame, which is read and turned
 * into JSON once and sent to each of them as the same bytes.
 */
export class FrameMemo {
  private tickAt = Number.NaN;
  private readonly texts = new Map<string, Buffer>();
  built = 0;
  reused = 0;

  /** The frame for `key` at tick `tickAt`, built by `build` only the first time it is asked for in that tick. */
  bytes(tickAt: number, key: string, build: () => string): Buffer {
    if (tickAt !== this.tickAt) {
      this.tickAt = tickAt;
      this.texts.clear();
    }
    let bytes = this.texts.get(key);
    if (bytes) this.reused++;
    else {
      bytes = Buffer.from(build());
      this.texts.set(key, bytes);
      this.built++;
    }
    return bytes;
  }
}
