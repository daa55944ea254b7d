/** Pure helpers of the report page: sorting, the "not met" filter, the per-firm chart data. */

export type SortOrder = 'list' | 'creditDesc' | 'creditAsc';

export interface ViewRow {
  firmId: string;
  firm: string;
  creditMinutes: number;
  /** null: no plan covers the lawyer ("not planned"), neither met nor not met */
  met: boolean | null;
}

/** 'list' keeps the server's order (region, firm, name); the others sort by credit, stably. */
export function viewRows<T extends ViewRow>(rows: readonly T[], options: { order: SortOrder; onlyUnmet: boolean }): T[] {
  // "not met" means a plan covers the lawyer and they fell short; the not planned are apart
  const kept = options.onlyUnmet ? rows.filter((r) => r.met === false) : [...rows];
  if (options.order === 'list') return kept;
  const sign = options.order === 'creditDesc' ? -1 : 1;
  return kept
    .map((row, index) => ({ row, index }))
    .sort((a, b) => sign * (a.row.creditMinutes - b.row.creditMinutes) || a.index - b.index)
    .map((x) => x.row);
}

export interface FirmBar {
  firmId: string;
  firm: string;
  met: number;
  unmet: number;
  /** lawyers no plan covers: their own state, never counted as met */
  notPlanned: number;
}

/**
 * Met, not-met and not-planned lawyers per firm, the firms with the most lawyers not met first (where an
 * association should look), cut to `limit` so a province of 2,000 firms still draws a readable chart.
 */
export function firmBars(rows: readonly ViewRow[], limit = 15): FirmBar[] {
  const byFirm = new Map<string, FirmBar>();
  for (const r of rows) {
    let bar = byFirm.get(r.firmId);
    if (!bar) byFirm.set(r.firmId, (bar = { firmId: r.firmId, firm: r.firm, met: 0, unmet: 0, notPlanned: 0 }));
    if (r.met === null) bar.notPlanned += 1;
    else if (r.met) bar.met += 1;
    else bar.unmet += 1;
  }
  const size = (bar: FirmBar) => bar.met + bar.unmet + bar.notPlanned;
  return [...byFirm.values()].sort((a, b) => b.unmet - a.unmet || size(b) - size(a) || a.firm.localeCompare(b.firm)).slice(0, limit);
}

/** The next sort order when the credit column header is clicked. */
export function nextOrder(order: SortOrder): SortOrder {
  return order === 'creditDesc' ? 'creditAsc' : order === 'creditAsc' ? 'list' : 'creditDesc';
}
