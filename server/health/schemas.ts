/**
 * The health routes' answers (API.md "Health and session", docs/operations.md), pure TypeBox:
 * the routes document with them and the web imports the `Static<…>` types with `import type`.
 */
import { Type, type Static } from 'typebox';

export const HealthOkSchema = Type.Object({ status: Type.Literal('ok') });
export const FailingSchema = Type.Array(Type.Union([Type.Literal('database'), Type.Literal('storage')]));
export const StorageStateSchema = Type.Union([Type.Literal('ok'), Type.Literal('unavailable'), Type.Literal('unknown')], {
  description: "the last background storage probe's answer ('unknown' until the first one is in)",
});
export const HealthUnavailableSchema = Type.Object({ status: Type.Literal('unavailable'), failing: FailingSchema });
export const ReadyOkSchema = Type.Object({ status: Type.Literal('ok'), storage: StorageStateSchema });
export const ReadyUnavailableSchema = Type.Object({ status: Type.Literal('unavailable'), failing: FailingSchema, storage: StorageStateSchema });

/** GET /api/health 200 (and /api/health/live) */
export type HealthOk = Static<typeof HealthOkSchema>;
/** GET /api/health 503 */
export type HealthUnavailable = Static<typeof HealthUnavailableSchema>;
/** GET /api/health/ready 200 */
export type ReadyOk = Static<typeof ReadyOkSchema>;
export type ReadyUnavailable = Static<typeof ReadyUnavailableSchema>;
