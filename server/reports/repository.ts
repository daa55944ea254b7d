/**
 * The audit report in ONE query: the subtree below an organization (recursive CTE carrying each
 * organization's path from the root), the plans of the year that target each firm, the credit
 * earned in the training year and the required courses still missing — aggregated per lawyer in
 * the database, so 20,000 lawyers cost one round trip, not 20,000.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import type { LawyerFacts } from './rows.ts';

export interface ReportQuery {
  organizationId: string;
  year: number;
  /** the training year as [start, end) instants */
  start: Date;
  end: Date;
  /** disabled accounts are left out unless this is true (docs/accounts.md) */
  includeDisabled?: boolean;
}

export class ReportsRepository {
  constructor(private readonly db: DbOrTx) {}

  async lawyerFacts(query: ReportQuery): Promise<LawyerFacts[]> {
    return this.db.transaction(async (tx) => {
      // The CTEs' row estimates are far too high, so PostgreSQL would JIT-compile the plan:
      // 2.5 s of compiling for a 100 ms query. This statement never profits from JIT.
      await tx.execute(sql`SET LOCAL jit = off`);
      const result = await tx.execute(this.reportSql(query));
      return rowsOf<Record<string, unknown>>(result).map(toFacts);
    });
  }

  /** The statement itself (the benchmark EXPLAINs it). */
  reportSql(query: ReportQuery) {
    const start = query.start.toISOString();
    const end = query.end.toISOString();
    return sql`
      WITH RECURSIVE
      up(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM organizations WHERE id = ${query.organizationId}::uuid
        UNION ALL
        SELECT o.id, o.parent_id, up.depth + 1 FROM organizations o JOIN up ON o.id = up.parent_id
      ),
      -- every organization of the subtree with its ancestor-or-self path from the root
      sub(id, name, region_code, county, path) AS (
        SELECT o.id, o.name, o.region_code, o.county, (SELECT array_agg(id ORDER BY depth DESC) FROM up)
        FROM organizations o WHERE o.id = ${query.organizationId}::uuid
        UNION ALL
        SELECT o.id, o.name, o.region_code, o.county, sub.path || o.id
        FROM organizations o JOIN sub ON o.parent_id = sub.id
      ),
      -- plans of the year owned above or inside the subtree; no targets = the owner's subtree
      plans AS (
        SELECT p.id, p.required_minutes,
          coalesce(array_agg(t.organization_id) FILTER (WHERE t.organization_id IS NOT NULL), ARRAY[p.organization_id]) AS targets
        FROM training_plans p LEFT JOIN training_plan_targets t ON t.plan_id = p.id
        WHERE p.year = ${query.year}::int
          AND p.organization_id IN (SELECT id FROM up UNION ALL SELECT id FROM sub)
        GROUP BY p.id
      ),
      lawyers AS (
        SELECT u.id, u.name, u.license_no, u.organization_id, u.disabled FROM users u JOIN sub s ON s.id = u.organization_id
        WHERE u.license_no IS NOT NULL${query.includeDisabled ? sql`` : sql` AND NOT u.disabled`}
      ),
      -- a plan targets a firm when one of its targets is on the firm's path
      org_plans AS (
        SELECT s.id AS org_id, p.id AS plan_id, p.required_minutes
        FROM sub s JOIN plans p ON p.targets && s.path
        WHERE s.id IN (SELECT organization_id FROM lawyers)
      ),
      org_required AS (
        SELECT org_id, max(required_minutes) AS required_minutes, count(*) AS plan_count FROM org_plans GROUP BY org_id
      ),
      org_courses AS (
        SELECT DISTINCT op.org_id, pc.course_id FROM org_plans op JOIN training_plan_courses pc ON pc.plan_id = op.plan_id
      ),
      credit AS (
        SELECT lp.user_id, sum(lp.credit_minutes) AS minutes
        FROM lecture_progress lp JOIN lawyers l ON l.id = lp.user_id
        WHERE lp.completed_at >= ${start}::timestamptz AND lp.completed_at < ${end}::timestamptz
        GROUP BY lp.user_id
      ),
      -- a required course counts when completed any time before the training year ends
      missing AS (
        SELECT l.id AS user_id, json_agg(json_build_object('id', c.id, 'title', c.title) ORDER BY c.title) AS courses
        FROM lawyers l
        JOIN org_courses oc ON oc.org_id = l.organization_id
        JOIN courses c ON c.id = oc.course_id
        WHERE NOT EXISTS (
          SELECT 1 FROM course_completions cc
          WHERE cc.user_id = l.id AND cc.course_id = oc.course_id AND cc.completed_at < ${end}::timestamptz
        )
        GROUP BY l.id
      )
      SELECT l.id, l.name, l.license_no, l.disabled, s.id AS firm_id, s.name AS firm, s.region_code, s.county,
        coalesce(cr.minutes, 0) AS credit_minutes,
        coalesce(r.required_minutes, 0) AS required_minutes,
        coalesce(r.plan_count, 0) AS plan_count,
        m.courses AS missing_courses
      FROM lawyers l
      JOIN sub s ON s.id = l.organization_id
      LEFT JOIN credit cr ON cr.user_id = l.id
      LEFT JOIN org_required r ON r.org_id = l.organization_id
      LEFT JOIN missing m ON m.user_id = l.id
      ORDER BY s.region_code, s.name, l.name, l.license_no`;
  }
}

function toFacts(r: Record<string, unknown>): LawyerFacts {
  return {
    id: String(r.id),
    name: String(r.name),
    licenseNo: String(r.license_no),
    disabled: r.disabled === true || r.disabled === 't',
    firmId: String(r.firm_id),
    firm: String(r.firm),
    regionCode: String(r.region_code),
    county: r.county === true || r.county === 't',
    // sum()/count() are bigint: postgres-js hands them over as strings
    creditMinutes: Number(r.credit_minutes ?? 0),
    requiredMinutes: Number(r.required_minutes ?? 0),
    planCount: Number(r.plan_count ?? 0),
    missingCourses: parseCourses(r.missing_courses),
  };
}

function parseCourses(value: unknown): { id: string; title: string }[] {
  if (value == null) return [];
  const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(list)) return [];
  return list.map((c: { id: unknown; title: unknown }) => ({ id: String(c.id), title: String(c.title) }));
}
