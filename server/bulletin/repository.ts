/**
 * The only code of the dashboard and bulletin that touches tables. The period's credit is
 * aggregated in the database — per firm and calendar month, and per lawyer for the period — so a
 * country of 20,000 lawyers is two statements returning a few thousand rows each, not a row per
 * progress record. What each lawyer owes and whether they met it comes from the report statement
 * (server/reports/repository.ts), so the dashboard and the report never disagree.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { beijingDay } from './period.ts';
import type { FirmMonth, LawyerPeriod, OrgNode, OrgKind } from './figures.ts';

export interface CreditRange {
  organizationId: string;
  start: Date;
  end: Date;
}

const flag = (v: unknown): boolean => v === true || v === 't';
const num = (v: unknown): number => Number(v ?? 0);

export class BulletinRepository {
  constructor(private readonly db: DbOrTx) {}

  /** Every organization of the subtree (closed ones too: their lawyers' history stays). */
  async subtree(organizationId: string): Promise<OrgNode[]> {
    const result = await this.db.execute(sql`
      WITH RECURSIVE sub(id) AS (
        SELECT id FROM organizations WHERE id = ${organizationId}::uuid
        UNION ALL
        SELECT o.id FROM organizations o JOIN sub ON o.parent_id = sub.id
      )
      SELECT o.id, o.parent_id, o.kind, o.name, o.region_code, o.county FROM organizations o JOIN sub ON sub.id = o.id`);
    return rowsOf<Record<string, unknown>>(result).map((r) => ({
      id: String(r.id),
      parentId: r.parent_id == null ? null : String(r.parent_id),
      kind: String(r.kind) as OrgKind,
      name: String(r.name),
      regionCode: String(r.region_code),
      county: flag(r.county),
    }));
  }

  /**
   * Online minutes (lectures completed), in-person minutes (attendances not removed, of sessions
   * held in the range, Beijing dates) and course completions of the subtree's lawyers in
   * [start, end): per firm and Beijing calendar month (`byFirmMonth`) and per lawyer (`byLawyer`)
   * for the part of the range from `periodStart`. Disabled accounts are left out, as in the report.
   */
  async credit(range: CreditRange, periodStart: Date): Promise<{ byFirmMonth: FirmMonth[]; byLawyer: LawyerPeriod[] }> {
    const start = range.start.toISOString();
    const end = range.end.toISOString();
    const fromDate = beijingDay(range.start);
    const toDate = beijingDay(range.end);
    const periodMonth = beijingDay(periodStart).slice(0, 7);
    return this.db.transaction(async (tx) => {
      // as for the report statement: the CTEs' estimates would make PostgreSQL JIT-compile for nothing
      await tx.execute(sql`SET LOCAL jit = off`);
      const result = await tx.execute(sql`
        WITH RECURSIVE sub(id) AS (
          SELECT id FROM organizations WHERE id = ${range.organizationId}::uuid
          UNION ALL
          SELECT o.id FROM organizations o JOIN sub ON o.parent_id = sub.id
        ),
        lawyers AS (
          SELECT u.id, u.organization_id FROM users u JOIN sub ON sub.id = u.organization_id
          WHERE u.license_no IS NOT NULL AND NOT u.disabled
        ),
        earned AS (
          SELECT lp.user_id, to_char((lp.completed_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM') AS month,
            lp.credit_minutes AS online, 0 AS in_person, 0 AS completions
          FROM lecture_progress lp JOIN lawyers l ON l.id = lp.user_id
          WHERE lp.completed_at >= ${start}::timestamptz AND lp.completed_at < ${end}::timestamptz AND lp.credit_minutes > 0
          UNION ALL
          SELECT a.user_id, to_char(ps.held_on, 'YYYY-MM'), 0, coalesce(a.minutes, ps.minutes), 0
          FROM in_person_attendances a JOIN lawyers l ON l.id = a.user_id JOIN in_person_sessions ps ON ps.id = a.session_id
          WHERE a.removed_at IS NULL AND ps.held_on >= ${fromDate}::date AND ps.held_on < ${toDate}::date
          UNION ALL
          SELECT cc.user_id, to_char((cc.completed_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM'), 0, 0, 1
          FROM course_completions cc JOIN lawyers l ON l.id = cc.user_id
          WHERE cc.completed_at >= ${start}::timestamptz AND cc.completed_at < ${end}::timestamptz
        ),
        per_lawyer_month AS (
          SELECT user_id, month, sum(online) AS online, sum(in_person) AS in_person, sum(completions) AS completions
          FROM earned GROUP BY user_id, month
        ),
        by_firm_month AS (
          SELECT 'f' AS part, l.organization_id AS id, p.month, sum(p.online) AS online, sum(p.in_person) AS in_person,
            sum(p.completions) AS completions, count(*) FILTER (WHERE p.online + p.in_person > 0) AS active
          FROM per_lawyer_month p JOIN lawyers l ON l.id = p.user_id
          GROUP BY l.organization_id, p.month
        ),
        by_lawyer AS (
          SELECT 'l' AS part, user_id AS id, NULL AS month, sum(online) AS online, sum(in_person) AS in_person,
            sum(completions) AS completions, 0 AS active
          FROM per_lawyer_month WHERE month >= ${periodMonth}
          GROUP BY user_id
        )
        SELECT * FROM by_firm_month UNION ALL SELECT * FROM by_lawyer`);
      const byFirmMonth: FirmMonth[] = [];
      const byLawyer: LawyerPeriod[] = [];
      for (const r of rowsOf<Record<string, unknown>>(result)) {
        if (r.part === 'f') {
          byFirmMonth.push({ firmId: String(r.id), month: String(r.month), onlineMinutes: num(r.online), inPersonMinutes: num(r.in_person), completions: num(r.completions), activeLawyers: num(r.active) });
        } else {
          byLawyer.push({ userId: String(r.id), onlineMinutes: num(r.online), inPersonMinutes: num(r.in_person), completions: num(r.completions) });
        }
      }
      return { byFirmMonth, byLawyer };
    });
  }
}
