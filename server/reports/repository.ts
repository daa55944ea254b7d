/**
 * The audit report in ONE query: the subtree below an organization (recursive CTE carrying each
 * organization's path from the root and the requirement rules in force there), the plans of the
 * year that target each firm, the credit earned in the training year (and how much of it from
 * required courses) and the required courses still missing — aggregated per lawyer in the
 * database, so 20,000 lawyers cost one round trip, not 20,000. The rules are applied to each row
 * in rows.ts.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';
import { BUILT_IN_RULES, storedRules, type RequirementRules } from '../requirements/rules.ts';
import { DEFAULT_MINUTES_PER_CLASS_HOUR, type LawyerFacts } from './rows.ts';

export interface ReportQuery {
  organizationId: string;
  year: number;
  /** the training year as [start, end) instants */
  start: Date;
  end: Date;
  /** disabled accounts are left out unless this is true (docs/accounts.md) */
  includeDisabled?: boolean;
  /**
   * one lawyer only ("my requirement"): the same statement, so the lawyer reads the numbers every
   * report shows; the answer then also lists every required course with whether it is done
   */
  userId?: string;
}

export class ReportsRepository {
  constructor(private readonly db: DbOrTx) {}

  async lawyerFacts(query: ReportQuery): Promise<LawyerFacts[]> {
    return this.db.transaction(async (tx) => {
      // The CTEs' row estimates are far too high, so PostgreSQL would JIT-compile the plan:
      // 2.5 s of compiling for a 100 ms query. This statement never profits from JIT.
      await tx.execute(sql`SET LOCAL jit = off`);
      const result = await tx.execute(this.reportSql(query));
      const rules = new RulesCache();
      return rowsOf<Record<string, unknown>>(result).map((r) => toFacts(r, rules));
    });
  }

  /** The statement itself (the benchmark EXPLAINs it). */
  reportSql(query: ReportQuery) {
    const start = query.start.toISOString();
    const end = query.end.toISOString();
    const one = query.userId !== undefined;
    // in-person sessions are dated in Beijing: the year's dates [fromDate, toDate)
    const fromDate = beijingDate(query.start);
    const toDate = beijingDate(query.end);
    return sql`
      WITH RECURSIVE
      up(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM organizations WHERE id = ${query.organizationId}::uuid
        UNION ALL
        SELECT o.id, o.parent_id, up.depth + 1 FROM organizations o JOIN up ON o.id = up.parent_id
      ),
      -- what the organization inherits: the nearest value above or at it (null = the built-in one)
      inherited AS (
        SELECT
          (SELECT o.requirement_rules FROM up JOIN organizations o ON o.id = up.id WHERE o.requirement_rules IS NOT NULL ORDER BY up.depth LIMIT 1) AS rules,
          (SELECT o.minutes_per_class_hour FROM up JOIN organizations o ON o.id = up.id WHERE o.minutes_per_class_hour IS NOT NULL ORDER BY up.depth LIMIT 1) AS minutes_per_class_hour
      ),
      -- every organization of the subtree with its ancestor-or-self path from the root, and the
      -- requirement rules and minutes per 学时 in force there (its own, else its parent's)
      sub(id, name, region_code, county, path, rules, minutes_per_class_hour) AS (
        SELECT o.id, o.name, o.region_code, o.county, (SELECT array_agg(id ORDER BY depth DESC) FROM up), i.rules, i.minutes_per_class_hour
        FROM organizations o, inherited i WHERE o.id = ${query.organizationId}::uuid
        UNION ALL
        SELECT o.id, o.name, o.region_code, o.county, sub.path || o.id,
          coalesce(o.requirement_rules, sub.rules), coalesce(o.minutes_per_class_hour, sub.minutes_per_class_hour)
        FROM organizations o JOIN sub ON o.parent_id = sub.id
      ),
      -- plans of the year owned above or inside the subtree; no targets = the owner's subtree
      plans AS (
        SELECT p.id, p.required_minutes, p.elective_minutes,
          coalesce(array_agg(t.organization_id) FILTER (WHERE t.organization_id IS NOT NULL), ARRAY[p.organization_id]) AS targets
        FROM training_plans p LEFT JOIN training_plan_targets t ON t.plan_id = p.id
        WHERE p.year = ${query.year}::int
          AND p.organization_id IN (SELECT id FROM up UNION ALL SELECT id FROM sub)
        GROUP BY p.id
      ),
      lawyers AS (
        SELECT u.id, u.name, u.license_no, u.organization_id, u.disabled, u.practice_started_on, u.part_time, u.birth_year
        FROM users u JOIN sub s ON s.id = u.organization_id
        WHERE u.license_no IS NOT NULL${query.includeDisabled ? sql`` : sql` AND NOT u.disabled`}${one ? sql` AND u.id = ${query.userId!}::uuid` : sql``}
      ),
      -- a plan targets a firm when one of its targets is on the firm's path
      org_plans AS (
        SELECT s.id AS org_id, p.id AS plan_id, p.required_minutes, p.elective_minutes
        FROM sub s JOIN plans p ON p.targets && s.path
        WHERE s.id IN (SELECT organization_id FROM lawyers)
      ),
      org_required AS (
        SELECT org_id, max(required_minutes) AS required_minutes, max(elective_minutes) AS elective_minutes, count(*) AS plan_count
        FROM org_plans GROUP BY org_id
      ),
      org_courses AS (
        SELECT DISTINCT op.org_id, pc.course_id FROM org_plans op JOIN training_plan_courses pc ON pc.plan_id = op.plan_id
      ),
      -- credit of the year, and how much of it from the lawyer's required courses (the rest is
      -- elective, 选修): one pass over the year's progress rows, the course found by hash joins
      -- (an index probe per lawyer and required course cost 190 ms on the benchmark's country)
      credit AS (
        SELECT lp.user_id, sum(lp.credit_minutes) AS minutes,
          coalesce(sum(lp.credit_minutes) FILTER (WHERE oc.course_id IS NOT NULL), 0) AS required_course_minutes
        FROM lecture_progress lp
        JOIN lawyers l ON l.id = lp.user_id
        JOIN lectures le ON le.id = lp.lecture_id
        LEFT JOIN org_courses oc ON oc.org_id = l.organization_id AND oc.course_id = le.course_id
        WHERE lp.completed_at >= ${start}::timestamptz AND lp.completed_at < ${end}::timestamptz
        GROUP BY lp.user_id
      ),
      -- in-person hours (现场培训): attendances not removed, of sessions held in the year; an
      -- attendance's own (corrected) minutes, else its session's
      in_person AS (
        SELECT a.user_id, sum(coalesce(a.minutes, ps.minutes)) AS minutes
        FROM in_person_attendances a
        JOIN lawyers l ON l.id = a.user_id
        JOIN in_person_sessions ps ON ps.id = a.session_id
        WHERE a.removed_at IS NULL AND ps.held_on >= ${fromDate}::date AND ps.held_on < ${toDate}::date
        GROUP BY a.user_id
      ),
      -- a required course counts when completed any time before the training year ends
      course_status AS (
        SELECT l.id AS user_id, c.id, c.title,
          EXISTS (
            SELECT 1 FROM course_completions cc
            WHERE cc.user_id = l.id AND cc.course_id = oc.course_id AND cc.completed_at < ${end}::timestamptz
          ) AS completed
        FROM lawyers l
        JOIN org_courses oc ON oc.org_id = l.organization_id
        JOIN courses c ON c.id = oc.course_id
      ),
      missing AS (
        SELECT user_id,
          json_agg(json_build_object('id', id, 'title', title) ORDER BY title) FILTER (WHERE NOT completed) AS courses${
            one ? sql`,
          json_agg(json_build_object('id', id, 'title', title, 'completed', completed) ORDER BY title) AS required_courses` : sql``
          }
        FROM course_status GROUP BY user_id
      )
      SELECT l.id, l.name, l.license_no, l.disabled, s.id AS firm_id, s.name AS firm, s.region_code, s.county,
        l.practice_started_on::text AS practice_started_on, l.part_time, l.birth_year,
        s.rules::text AS rules, s.minutes_per_class_hour,
        coalesce(cr.minutes, 0) AS credit_minutes,
        coalesce(ip.minutes, 0) AS in_person_minutes,
        coalesce(cr.required_course_minutes, 0) AS required_course_credit_minutes,
        coalesce(r.required_minutes, 0) AS plan_required_minutes,
        coalesce(r.elective_minutes, 0) AS plan_elective_minutes,
        coalesce(r.plan_count, 0) AS plan_count,
        m.courses AS missing_courses${one ? sql`, m.required_courses` : sql``}
      FROM lawyers l
      JOIN sub s ON s.id = l.organization_id
      LEFT JOIN credit cr ON cr.user_id = l.id
      LEFT JOIN in_person ip ON ip.user_id = l.id
      LEFT JOIN org_required r ON r.org_id = l.organization_id
      LEFT JOIN missing m ON m.user_id = l.id
      ORDER BY s.region_code, s.name, l.name, l.license_no`;
  }
}

/** Rules arrive as the same jsonb text on thousands of rows: each distinct text is read once. */
class RulesCache {
  private readonly byText = new Map<string, RequirementRules>();

  of(text: unknown): RequirementRules {
    if (typeof text !== 'string') return BUILT_IN_RULES;
    let rules = this.byText.get(text);
    if (!rules) {
      // a stored value that is not valid rules is ignored: the built-in rules apply (rules.ts)
      rules = storedRules(text) ?? BUILT_IN_RULES;
      this.byText.set(text, rules);
    }
    return rules;
  }
}

const flag = (v: unknown): boolean => v === true || v === 't';

function toFacts(r: Record<string, unknown>, rules: RulesCache): LawyerFacts {
  const facts: LawyerFacts = {
    id: String(r.id),
    name: String(r.name),
    licenseNo: String(r.license_no),
    disabled: flag(r.disabled),
    firmId: String(r.firm_id),
    firm: String(r.firm),
    regionCode: String(r.region_code),
    county: flag(r.county),
    profile: {
      practiceStartedOn: r.practice_started_on == null ? null : String(r.practice_started_on),
      partTime: flag(r.part_time),
      birthYear: r.birth_year == null ? null : Number(r.birth_year),
    },
    rules: rules.of(r.rules),
    minutesPerClassHour: r.minutes_per_class_hour == null ? DEFAULT_MINUTES_PER_CLASS_HOUR : Number(r.minutes_per_class_hour),
    // sum()/count() are bigint: postgres-js hands them over as strings
    creditMinutes: Number(r.credit_minutes ?? 0),
    inPersonMinutes: Number(r.in_person_minutes ?? 0),
    requiredCourseCreditMinutes: Number(r.required_course_credit_minutes ?? 0),
    planRequiredMinutes: Number(r.plan_required_minutes ?? 0),
    planElectiveMinutes: Number(r.plan_elective_minutes ?? 0),
    planCount: Number(r.plan_count ?? 0),
    missingCourses: parseCourses(r.missing_courses),
  };
  if ('required_courses' in r) facts.requiredCourses = parseCourseStatus(r.required_courses);
  return facts;
}

function parseList(value: unknown): Record<string, unknown>[] {
  if (value == null) return [];
  const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
}

function parseCourses(value: unknown): { id: string; title: string }[] {
  return parseList(value).map((c) => ({ id: String(c.id), title: String(c.title) }));
}

function parseCourseStatus(value: unknown): { id: string; title: string; completed: boolean }[] {
  return parseList(value).map((c) => ({ id: String(c.id), title: String(c.title), completed: flag(c.completed) }));
}

/** The date in Beijing (UTC+8, no daylight saving) of an instant, YYYY-MM-DD. */
export function beijingDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}
