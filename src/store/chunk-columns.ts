import type { DuckDBDataChunk, DuckDBResult } from '@duckdb/node-api';

/** How a result column is copied out of DuckDB's chunks: straight into a typed array, or item by item as text. */
export type ChunkColumnMode = 'double' | 'int' | 'string';

export interface ChunkColumns {
  length: number;
  doubles: Float64Array[];
  ints: Int32Array[];
  strings: (string | null)[][];
}

function copyDoubles(chunk: DuckDBDataChunk, col: number, into: Float64Array, at: number): void {
  const vector = chunk.getColumnVector(col);
  const items = (vector as unknown as { items?: unknown }).items;
  // NULLs were turned into NaN in SQL, so there is no validity mask to honour.
  if (items instanceof Float64Array) into.set(items.subarray(0, chunk.rowCount), at);
  else for (let i = 0; i < chunk.rowCount; i++) into[at + i] = (vector.getItem(i) as number | null) ?? Number.NaN;
}

function copyInts(chunk: DuckDBDataChunk, col: number, into: Int32Array, at: number): void {
  const vector = chunk.getColumnVector(col);
  const items = (vector as unknown as { items?: unknown }).items;
  if (items instanceof Int32Array) into.set(items.subarray(0, chunk.rowCount), at);
  else for (let i = 0; i < chunk.rowCount; i++) into[at + i] = (vector.getItem(i) as number | null) ?? -1;
}

/**
 * Reads a streamed result chunk by chunk, column by column: DOUBLE and INTEGER columns are copied
 * as whole vectors (no JS value per row), text columns item by item. Arrays come back in the
 * order of `modes` within their kind, trimmed to the row count.
 */
export async function readChunkColumns(result: DuckDBResult, modes: readonly ChunkColumnMode[], initialCapacity = 4096): Promise<ChunkColumns> {
  let capacity = Math.max(1, initialCapacity);
  let length = 0;
  let doubles = modes.filter((m) => m === 'double').map(() => new Float64Array(capacity));
  let ints = modes.filter((m) => m === 'int').map(() => new Int32Array(capacity));
  const strings = modes.filter((m) => m === 'string').map((): (string | null)[] => []);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    if (length + n > capacity) {
      capacity = Math.max(capacity * 2, length + n);
      doubles = doubles.map((a) => {
        const b = new Float64Array(capacity);
        b.set(a);
        return b;
      });
      ints = ints.map((a) => {
        const b = new Int32Array(capacity);
        b.set(a);
        return b;
      });
    }
    let d = 0;
    let k = 0;
    let s = 0;
    modes.forEach((mode, col) => {
      if (mode === 'double') copyDoubles(chunk, col, doubles[d++]!, length);
      else if (mode === 'int') copyInts(chunk, col, ints[k++]!, length);
      else {
        const vector = chunk.getColumnVector(col);
        const out = strings[s++]!;
        for (let i = 0; i < n; i++) out.push(vector.getItem(i) as string | null);
      }
    });
    length += n;
  }
  return { length, doubles: doubles.map((a) => a.subarray(0, length)), ints: ints.map((a) => a.subarray(0, length)), strings };
}

/**
 * The columns in ascending order of `doubles[key]`, stable: as they are when already in that order
 * (a clustered store scans a device's range in time order, so this is one pass), else permuted.
 */
export function inAscendingOrder(columns: ChunkColumns, key = 0): ChunkColumns {
  const k = columns.doubles[key]!;
  let sorted = true;
  for (let i = 1; i < columns.length && sorted; i++) sorted = k[i - 1]! <= k[i]!;
  if (sorted) return columns;
  const order = Int32Array.from({ length: columns.length }, (_, i) => i).sort((a, b) => k[a]! - k[b]! || a - b);
  return {
    length: columns.length,
    doubles: columns.doubles.map((a) => Float64Array.from(order, (i) => a[i]!)),
    ints: columns.ints.map((a) => Int32Array.from(order, (i) => a[i]!)),
    strings: columns.strings.map((a) => Array.from(order, (i) => a[i]!)),
  };
}
