/**
 * SQL for keyset paging (see domain/paging/page-cursor.ts): rows strictly after the cursor's key
 * in the list's sort order, with the id as the tie-breaker. `sortValue` is the SQL of the bound
 * parameter holding the key's first part (e.g. `epoch_ms(CAST($5 AS BIGINT))`), `nullParam` the
 * bare parameter (`$5`): NULL means no cursor, first page.
 */
export function afterKeySql(o: { sort: string; id: string; sortValue: string; nullParam: string; idParam: string; descending?: boolean }): string {
  const beyond = o.descending ? '<' : '>';
  return `(${o.nullParam} IS NULL OR ${o.sort} ${beyond} ${o.sortValue} OR (${o.sort} = ${o.sortValue} AND ${o.id} > ${o.idParam}))`;
}

/** A LIMIT parameter's value: no limit asked is every row (internal callers read whole lists). */
export const limitValue = (limit: number | undefined): number => (limit === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(limit));
