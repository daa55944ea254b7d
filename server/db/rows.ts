/**
 * Reading raw `db.execute` results the same way on both drivers: postgres-js and PGlite differ in
 * the result shape and in whether timestamps and JSON arrive parsed.
 */

/** postgres-js returns an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** A timestamp column as a Date (some paths hand back strings); null stays null. */
export function dateOf(v: unknown): Date | null {
  return v == null ? null : v instanceof Date ? v : new Date(String(v));
}

/** A json/jsonb column, parsed when the driver handed back its text. */
export function jsonOf<T>(v: unknown): T {
  return typeof v === 'string' ? (JSON.parse(v) as T) : (v as T);
}
