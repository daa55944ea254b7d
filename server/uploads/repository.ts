/**
 * upload_reservations: one row per tus upload, from its creation until it finishes, is cancelled
 * or expires. The only code that touches the table. Times are the database clock (`now()`), or
 * an `asOf` the caller names (the sweep in tests).
 */
import { and, eq, gt, isNull, lte, sql, sum } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { uploadReservations } from '../db/schema/index.ts';

export type UploadReservationRow = typeof uploadReservations.$inferSelect;

const daysBefore = (asOf: Date | undefined, days: number) =>
  sql`${asOf ? sql`${asOf.toISOString()}::timestamptz` : sql`now()`} - (${Math.round(days)}::int * interval '1 day')`;

export class UploadReservationsRepository {
  constructor(private readonly db: DbOrTx) {}

  /**
   * Holds the user's quota lock until `tx` ends: a second creation by the same user waits here,
   * then reads the sum including the first one's row (READ COMMITTED takes a fresh snapshot per
   * statement, so the sum must be read by a later statement than the lock).
   */
  async lockUser(tx: DbOrTx, userId: string): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`upload_reservations:${userId}`}, 0))`);
  }

  /** Bytes the user's open reservations hold: not ended, created within the last `expiryDays`. */
  async openBytes(tx: DbOrTx, userId: string, expiryDays: number): Promise<number> {
    const [row] = await tx
      .select({ bytes: sum(uploadReservations.bytes) })
      .from(uploadReservations)
      .where(and(eq(uploadReservations.userId, userId), isNull(uploadReservations.endedAt), gt(uploadReservations.createdAt, daysBefore(undefined, expiryDays))));
    return Number(row?.bytes ?? 0);
  }

  async insert(tx: DbOrTx, values: { id: string; userId: string; lectureId: string; bytes: number }): Promise<void> {
    await tx.insert(uploadReservations).values(values);
  }

  /** Ends the reservation if it is still open; answers whether it was. */
  async end(id: string, tx: DbOrTx = this.db): Promise<boolean> {
    const rows = await tx
      .update(uploadReservations)
      .set({ endedAt: sql`now()` })
      .where(and(eq(uploadReservations.id, id), isNull(uploadReservations.endedAt)))
      .returning({ id: uploadReservations.id });
    return rows.length > 0;
  }

  /**
   * Ends the reservation of an upload that just finished, inside the transaction that records its
   * source. 'already_ended': another request finished it first (a retried last PATCH), so this
   * one must not record a second source; 'missing': an upload started before reservations
   * were kept, which finishes as before.
   */
  async endForFinish(id: string, tx: DbOrTx): Promise<'ended' | 'already_ended' | 'missing'> {
    if (await this.end(id, tx)) return 'ended';
    const [row] = await tx.select({ id: uploadReservations.id }).from(uploadReservations).where(eq(uploadReservations.id, id));
    return row ? 'already_ended' : 'missing';
  }

  /** Open reservations created `expiryDays` or more before `asOf` (default: now). */
  async expired(expiryDays: number, asOf?: Date): Promise<UploadReservationRow[]> {
    return this.db
      .select()
      .from(uploadReservations)
      .where(and(isNull(uploadReservations.endedAt), lte(uploadReservations.createdAt, daysBefore(asOf, expiryDays))));
  }
}
