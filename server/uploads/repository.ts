/**
 * upload_reservations and upload_chunks: one reservation row per tus upload, from its creation
 * until its bytes are in storage (or it is cancelled or expires), and, for uploads staged in the
 * media storage, one chunk row per stored piece. The only code that touches these tables.
 * Times are the database clock (`now()`), or an `asOf` the caller names (the sweep in tests).
 *
 * A row's `state` (docs/jobs-and-uploads.md, "Durable uploads"):
 *   receiving → received → stored          the normal life
 *   receiving → cancelled | expired        tus DELETE / UPLOAD_EXPIRY_DAYS after creation
 *   received  → dropped | lost             its lecture was deleted / its staged bytes vanished
 * `ended_at` is when it stopped counting against the quota (received, cancelled or expired).
 */
import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, notInArray, sql, sum } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { uploadChunks, uploadReservations, type UploadState } from '../db/schema/index.ts';

export type UploadReservationRow = typeof uploadReservations.$inferSelect;
export type UploadChunkRow = typeof uploadChunks.$inferSelect;
export type UploadMetadata = Record<string, string | null>;

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

  async find(id: string, tx: DbOrTx = this.db): Promise<UploadReservationRow | undefined> {
    const [row] = await tx.select().from(uploadReservations).where(eq(uploadReservations.id, id));
    return row;
  }

  /** The row, locked until `tx` ends (receiving and storing an upload change it under this lock). */
  async findForUpdate(tx: DbOrTx, id: string): Promise<UploadReservationRow | undefined> {
    const [row] = await tx.select().from(uploadReservations).where(eq(uploadReservations.id, id)).for('update');
    return row;
  }

  /** An upload still receiving ends (cancelled or expired) and stops counting; answers whether it was open. */
  async end(id: string, state: 'cancelled' | 'expired', tx: DbOrTx = this.db): Promise<boolean> {
    const rows = await tx
      .update(uploadReservations)
      .set({ endedAt: sql`now()`, state })
      .where(and(eq(uploadReservations.id, id), isNull(uploadReservations.endedAt), eq(uploadReservations.state, 'receiving')))
      .returning({ id: uploadReservations.id });
    return rows.length > 0;
  }

  /** Open reservations created `expiryDays` or more before `asOf` (default: now). */
  async expired(expiryDays: number, asOf?: Date): Promise<UploadReservationRow[]> {
    return this.db
      .select()
      .from(uploadReservations)
      .where(and(isNull(uploadReservations.endedAt), eq(uploadReservations.state, 'receiving'), lte(uploadReservations.createdAt, daysBefore(asOf, expiryDays))));
  }

  // ---- receiving: staging in the media storage ----

  /** The upload is staged in the media storage (storage-staging.ts); its metadata is kept here. */
  async startStorageStaging(id: string, metadata: UploadMetadata): Promise<boolean> {
    const rows = await this.db
      .update(uploadReservations)
      .set({ staging: 'storage', metadata, stagedBytes: 0 })
      .where(and(eq(uploadReservations.id, id), eq(uploadReservations.state, 'receiving')))
      .returning({ id: uploadReservations.id });
    return rows.length > 0;
  }

  /**
   * Records a stored piece: the offset moves from `start` to `start + bytes` only if it still is
   * `start` and the upload is still receiving (compare-and-set), in one transaction with the
   * chunk row. False when another request moved it first: the piece is not part of the upload.
   */
  async commitChunk(id: string, chunk: { start: number; bytes: number; storageKey: string }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .update(uploadReservations)
        .set({ stagedBytes: chunk.start + chunk.bytes })
        .where(and(eq(uploadReservations.id, id), eq(uploadReservations.stagedBytes, chunk.start), eq(uploadReservations.state, 'receiving')))
        .returning({ id: uploadReservations.id });
      if (rows.length === 0) return false;
      await tx.insert(uploadChunks).values({ uploadId: id, ...chunk });
      return true;
    });
  }

  async chunks(id: string): Promise<UploadChunkRow[]> {
    return this.db.select().from(uploadChunks).where(eq(uploadChunks.uploadId, id)).orderBy(asc(uploadChunks.start));
  }

  async deleteChunks(id: string): Promise<void> {
    await this.db.delete(uploadChunks).where(eq(uploadChunks.uploadId, id));
  }

  // ---- received → stored ----

  async markReceived(tx: DbOrTx, id: string, values: { sourceId: string; storeJobId: string; metadata: UploadMetadata; stagedBytes: number }): Promise<void> {
    await tx
      .update(uploadReservations)
      .set({ ...values, state: 'received', receivedAt: sql`now()`, endedAt: sql`coalesce(${uploadReservations.endedAt}, now())` })
      .where(eq(uploadReservations.id, id));
  }

  /** received → stored, once; false when it was not `received` any more. */
  async markStored(tx: DbOrTx, id: string): Promise<boolean> {
    const rows = await tx
      .update(uploadReservations)
      .set({ state: 'stored', storedAt: sql`now()` })
      .where(and(eq(uploadReservations.id, id), eq(uploadReservations.state, 'received')))
      .returning({ id: uploadReservations.id });
    return rows.length > 0;
  }

  /** received (or `from`) → dropped (its lecture is gone) or lost (its staged bytes are gone). */
  async markUnstorable(id: string, state: 'dropped' | 'lost', tx: DbOrTx = this.db, from: UploadState[] = ['received']): Promise<boolean> {
    const rows = await tx
      .update(uploadReservations)
      .set({ state, endedAt: sql`coalesce(${uploadReservations.endedAt}, now())` })
      .where(and(eq(uploadReservations.id, id), inArray(uploadReservations.state, from)))
      .returning({ id: uploadReservations.id });
    return rows.length > 0;
  }

  /** Points a received upload at a new store job, if it still points at `previousJobId` (another process may have done it). */
  async replaceStoreJob(tx: DbOrTx, id: string, previousJobId: string | null, storeJobId: string): Promise<boolean> {
    const rows = await tx
      .update(uploadReservations)
      .set({ storeJobId })
      .where(
        and(
          eq(uploadReservations.id, id),
          eq(uploadReservations.state, 'received'),
          previousJobId ? eq(uploadReservations.storeJobId, previousJobId) : isNull(uploadReservations.storeJobId),
        ),
      )
      .returning({ id: uploadReservations.id });
    return rows.length > 0;
  }

  async markStagingRemoved(id: string): Promise<void> {
    await this.db.update(uploadReservations).set({ stagingRemovedAt: sql`now()` }).where(eq(uploadReservations.id, id));
  }

  // ---- what the sweeps look for ----

  /** Every upload received and not stored yet. */
  async received(): Promise<UploadReservationRow[]> {
    return this.db.select().from(uploadReservations).where(eq(uploadReservations.state, 'received')).orderBy(asc(uploadReservations.receivedAt));
  }

  /** Uploads still receiving that were created more than `seconds` ago (some may be complete but unrecorded). */
  async receivingSince(seconds: number): Promise<UploadReservationRow[]> {
    return this.db
      .select()
      .from(uploadReservations)
      .where(and(eq(uploadReservations.state, 'receiving'), lt(uploadReservations.createdAt, sql`now() - (${Math.round(seconds)}::int * interval '1 second')`)));
  }

  /** Uploads whose staged bytes are no longer needed and may still be there. */
  async stagingLeftovers(limit = 200): Promise<UploadReservationRow[]> {
    return this.db
      .select()
      .from(uploadReservations)
      .where(and(notInArray(uploadReservations.state, ['receiving', 'received']), isNull(uploadReservations.stagingRemovedAt)))
      .limit(limit);
  }

  /** The newest uploads of a lecture (what its trainer page shows). */
  async latestForLecture(lectureId: string, states?: UploadState[]): Promise<UploadReservationRow | undefined> {
    const [row] = await this.db
      .select()
      .from(uploadReservations)
      .where(and(eq(uploadReservations.lectureId, lectureId), states ? inArray(uploadReservations.state, states) : undefined))
      .orderBy(desc(uploadReservations.createdAt))
      .limit(1);
    return row;
  }
}
