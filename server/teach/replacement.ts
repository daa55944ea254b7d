/**
 * A lecture's recording replaced by a new upload (docs/credit.md, "Replacing a recording"). Each
 * published package is a new media version of the lecture (`lectures.media_version`). What the
 * lawyers keep:
 *
 * - a completed lecture stays completed, with its credit and any course completion and
 *   certificate: credit once earned is never taken away;
 * - partial coverage is kept when the new duration is within 5 % of the old one (a re-cut, a
 *   better encode: media positions still mean the same content), and otherwise starts again for
 *   those who had not completed the lecture (a different talk: seconds watched of the old one say
 *   nothing about the new).
 *
 * Called by TranscodingService.publish in the transaction that points the lecture at its new
 * package, so the rule and the new media commit together.
 */
import type { Tx } from '../db/client.ts';
import { AuditLog } from '../audit/service.ts';
import { TeachRepository } from './repository.ts';

/** How far the new duration may differ from the old one (relative) for coverage to be kept. */
export const COVERAGE_KEPT_TOLERANCE = 0.05;

/** Pure: whether lawyers' partial coverage survives a replacement from `before` to `after` seconds. */
export function coverageKept(before: number | null, after: number): boolean {
  if (before === null || !(before > 0)) return false;
  return Math.abs(after - before) <= before * COVERAGE_KEPT_TOLERANCE + 1e-9;
}

export interface Replacement {
  lectureId: string;
  courseId: string;
  sourceId: string;
  /** the version being replaced (≥ 1) and its duration */
  fromVersion: number;
  fromDuration: number | null;
  toVersion: number;
  toDuration: number;
}

/** Applies the coverage rule and writes the audit entry; answers how many lawyers' coverage was reset. */
export async function applyReplacement(tx: Tx, r: Replacement): Promise<number> {
  const repo = new TeachRepository(tx);
  const kept = coverageKept(r.fromDuration, r.toDuration);
  const reset = kept ? 0 : await repo.resetUnfinishedCoverage(r.lectureId);
  const organizationId = await repo.courseOrganization(r.courseId);
  const actorId = await repo.uploaderOf(r.sourceId);
  if (organizationId !== undefined) {
    await AuditLog.record(tx, {
      actor: actorId ? { id: actorId } : null,
      action: 'lecture.recording_replaced',
      organizationId,
      targetType: 'lecture',
      targetId: r.lectureId,
      before: { mediaVersion: r.fromVersion, durationSeconds: r.fromDuration },
      after: { mediaVersion: r.toVersion, durationSeconds: r.toDuration, coverageKept: kept, coverageReset: reset },
      ip: null,
    });
  }
  return reset;
}
