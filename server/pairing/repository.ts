/**
 * The only code that touches `pairs` and `pair_recommendations` (server/db/schema/pairing.ts).
 * "Active" is decided here, in SQL, against a Beijing date the service passes in: not ended, on or
 * after the start date and on or before the end date (docs/programme.md, "Pairing").
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.ts';
import { dateOf, rowsOf } from '../db/rows.ts';
import { pairRecommendations, pairs } from '../db/schema/index.ts';
import { subtreeIds } from '../organizations/repository.ts';

export type PairKind = 'firm' | 'lawyer';

export interface PairSide {
  /** the firm (firm pairs) or the lawyer (lawyer pairs) */
  id: string;
  name: string;
  /** lawyer pairs: the lawyer's licence number and firm */
  licenseNo: string | null;
  firm: { id: string; name: string } | null;
}

export interface PairRecord {
  id: string;
  kind: PairKind;
  organizationId: string;
  organizationName: string;
  mentor: PairSide;
  mentee: PairSide;
  startsOn: string;
  endsOn: string | null;
  createdAt: Date;
  endedAt: Date | null;
  /** computed against the day the caller passed */
  active: boolean;
}

export interface Lawyer {
  id: string;
  login: string;
  name: string;
  licenseNo: string | null;
  organizationId: string;
  firm: string;
  practiceStartedOn: string | null;
  disabled: boolean;
}

export interface RecommendationRecord {
  id: string;
  pairId: string;
  courseId: string;
  courseTitle: string;
  note: string | null;
  recommendedBy: { id: string; name: string } | null;
  createdAt: Date;
}

export interface PairActivity {
  pairId: string;
  recommendations: number;
  /** recommendations that a mentee started watching after they were made */
  followed: number;
}

/** The SQL condition "the pair is active on `today`" (YYYY-MM-DD, Beijing). */
const activeOn = (today: string): SQL => sql`(p.ended_at IS NULL AND p.starts_on <= ${today}::date AND (p.ends_on IS NULL OR p.ends_on >= ${today}::date))`;

const SELECT_PAIRS = (today: string) => sql`
  SELECT p.id, p.kind, p.organization_id, rec.name AS organization_name,
    to_char(p.starts_on, 'YYYY-MM-DD') AS starts_on, to_char(p.ends_on, 'YYYY-MM-DD') AS ends_on,
    p.created_at, p.ended_at, ${activeOn(today)} AS active,
    coalesce(mo.id, mu.id) AS mentor_id, coalesce(mo.name, mu.name) AS mentor_name, mu.license_no AS mentor_license, muf.id AS mentor_firm_id, muf.name AS mentor_firm,
    coalesce(eo.id, eu.id) AS mentee_id, coalesce(eo.name, eu.name) AS mentee_name, eu.license_no AS mentee_license, euf.id AS mentee_firm_id, euf.name AS mentee_firm
  FROM pairs p
  JOIN organizations rec ON rec.id = p.organization_id
  LEFT JOIN organizations mo ON mo.id = p.mentor_organization_id
  LEFT JOIN organizations eo ON eo.id = p.mentee_organization_id
  LEFT JOIN users mu ON mu.id = p.mentor_user_id
  LEFT JOIN organizations muf ON muf.id = mu.organization_id
  LEFT JOIN users eu ON eu.id = p.mentee_user_id
  LEFT JOIN organizations euf ON euf.id = eu.organization_id`;

const truthy = (v: unknown) => v === true || v === 't';

function side(r: Record<string, unknown>, prefix: 'mentor' | 'mentee'): PairSide {
  const firmId = r[`${prefix}_firm_id`];
  return {
    id: String(r[`${prefix}_id`]),
    name: String(r[`${prefix}_name`]),
    licenseNo: (r[`${prefix}_license`] as string | null) ?? null,
    firm: firmId == null ? null : { id: String(firmId), name: String(r[`${prefix}_firm`]) },
  };
}

function toPair(r: Record<string, unknown>): PairRecord {
  return {
    id: String(r.id),
    kind: r.kind === 'firm' ? 'firm' : 'lawyer',
    organizationId: String(r.organization_id),
    organizationName: String(r.organization_name),
    mentor: side(r, 'mentor'),
    mentee: side(r, 'mentee'),
    startsOn: String(r.starts_on),
    endsOn: (r.ends_on as string | null) ?? null,
    createdAt: dateOf(r.created_at)!,
    endedAt: dateOf(r.ended_at),
    active: truthy(r.active),
  };
}

export class PairingRepository {
  constructor(private readonly db: DbOrTx) {}

  /** Runs `work` in one transaction; the audit entry is written with the same `tx`. */
  async transaction<T>(work: (repo: PairingRepository, tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new PairingRepository(tx), tx));
  }

  async insertPair(p: typeof pairs.$inferInsert): Promise<string> {
    const [row] = await this.db.insert(pairs).values(p).returning({ id: pairs.id });
    return row!.id;
  }

  async findPair(id: string, today: string): Promise<PairRecord | null> {
    const rows = rowsOf<Record<string, unknown>>(await this.db.execute(sql`${SELECT_PAIRS(today)} WHERE p.id = ${id}`));
    return rows[0] ? toPair(rows[0]) : null;
  }

  /** Pairs recorded by the organization or inside its subtree, newest first. */
  async listPairs(organizationId: string, today: string): Promise<PairRecord[]> {
    const rows = await this.db.execute(sql`${SELECT_PAIRS(today)} WHERE p.organization_id IN (${subtreeIds([organizationId])}) ORDER BY p.created_at DESC, p.id`);
    return rowsOf<Record<string, unknown>>(rows).map(toPair);
  }

  /** Ends a pair now; false when it had ended already (someone else, a moment ago). */
  async endPair(id: string, endedBy: string): Promise<boolean> {
    const rows = await this.db.execute(sql`UPDATE pairs SET ended_at = now(), ended_by = ${endedBy} WHERE id = ${id} AND ended_at IS NULL RETURNING id`);
    return rowsOf(rows).length > 0;
  }

  /**
   * The active pairs where the user is the mentor side: the mentor of a lawyer pair, or an
   * administrator (granted directly) of the city firm of a firm pair.
   */
  async mentorPairs(userId: string, adminOrganizationIds: readonly string[], today: string): Promise<PairRecord[]> {
    const firm = adminOrganizationIds.length > 0 ? sql`OR (p.kind = 'firm' AND p.mentor_organization_id IN ${[...adminOrganizationIds]})` : sql``;
    const rows = await this.db.execute(sql`${SELECT_PAIRS(today)} WHERE ${activeOn(today)} AND ((p.kind = 'lawyer' AND p.mentor_user_id = ${userId}) ${firm}) ORDER BY p.starts_on, p.id`);
    return rowsOf<Record<string, unknown>>(rows).map(toPair);
  }

  /** The active pairs where the user is on the mentee side: the young lawyer, or a lawyer of the county firm. */
  async menteePairs(userId: string, organizationId: string, today: string): Promise<PairRecord[]> {
    const rows = await this.db.execute(
      sql`${SELECT_PAIRS(today)} WHERE ${activeOn(today)} AND ((p.kind = 'lawyer' AND p.mentee_user_id = ${userId}) OR (p.kind = 'firm' AND p.mentee_organization_id = ${organizationId})) ORDER BY p.starts_on, p.id`,
    );
    return rowsOf<Record<string, unknown>>(rows).map(toPair);
  }

  /** The lawyers on the mentee side: the young lawyer, or the county firm's lawyers (enabled, with a licence). */
  async mentees(pair: PairRecord): Promise<Lawyer[]> {
    const where = pair.kind === 'lawyer' ? sql`u.id = ${pair.mentee.id}` : sql`u.organization_id = ${pair.mentee.id} AND u.license_no IS NOT NULL AND NOT u.disabled`;
    return this.lawyersWhere(where);
  }

  /** An account named by licence number or login. */
  async lawyer(key: string): Promise<Lawyer | null> {
    const found = await this.lawyersWhere(sql`u.license_no = ${key} OR u.login = ${key}`);
    return found.find((l) => l.licenseNo === key) ?? found[0] ?? null;
  }

  private async lawyersWhere(where: SQL): Promise<Lawyer[]> {
    const rows = await this.db.execute(sql`
      SELECT u.id, u.login, u.name, u.license_no, u.organization_id, o.name AS firm, to_char(u.practice_started_on, 'YYYY-MM-DD') AS practice_started_on, u.disabled
      FROM users u JOIN organizations o ON o.id = u.organization_id WHERE ${where} ORDER BY u.name, u.id`);
    return rowsOf<Record<string, unknown>>(rows).map((r) => ({
      id: String(r.id),
      login: String(r.login),
      name: String(r.name),
      licenseNo: (r.license_no as string | null) ?? null,
      organizationId: String(r.organization_id),
      firm: String(r.firm),
      practiceStartedOn: (r.practice_started_on as string | null) ?? null,
      disabled: truthy(r.disabled),
    }));
  }

  /** Records a recommendation; null when the pair recommended this course already. */
  async insertRecommendation(r: { pairId: string; courseId: string; note: string | null; recommendedBy: string }): Promise<string | null> {
    const [row] = await this.db.insert(pairRecommendations).values(r).onConflictDoNothing().returning({ id: pairRecommendations.id });
    return row?.id ?? null;
  }

  async recommendations(pairIds: readonly string[]): Promise<RecommendationRecord[]> {
    if (pairIds.length === 0) return [];
    const rows = await this.db.execute(sql`
      SELECT r.id, r.pair_id, r.course_id, c.title AS course_title, r.note, r.created_at, u.id AS by_id, u.name AS by_name
      FROM pair_recommendations r JOIN courses c ON c.id = r.course_id LEFT JOIN users u ON u.id = r.recommended_by
      WHERE r.pair_id IN ${[...pairIds]} AND c.status = 'published'
      ORDER BY r.created_at DESC, r.id`);
    return rowsOf<Record<string, unknown>>(rows).map((r) => ({
      id: String(r.id),
      pairId: String(r.pair_id),
      courseId: String(r.course_id),
      courseTitle: String(r.course_title),
      note: (r.note as string | null) ?? null,
      recommendedBy: r.by_id == null ? null : { id: String(r.by_id), name: String(r.by_name) },
      createdAt: dateOf(r.created_at)!,
    }));
  }

  /**
   * Per pair: recommendations made, and those followed — a mentee (the young lawyer, or a
   * lawyer of the county firm) watched something of the course after it was recommended.
   */
  async activity(pairIds: readonly string[]): Promise<PairActivity[]> {
    if (pairIds.length === 0) return [];
    const rows = await this.db.execute(sql`
      SELECT r.pair_id, count(*) AS made,
        count(*) FILTER (WHERE EXISTS (
          SELECT 1 FROM lecture_progress lp JOIN lectures l ON l.id = lp.lecture_id JOIN users u ON u.id = lp.user_id
          WHERE l.course_id = r.course_id AND lp.updated_at >= r.created_at AND (lp.covered_seconds > 0 OR lp.last_position > 0)
            AND ((p.kind = 'lawyer' AND u.id = p.mentee_user_id) OR (p.kind = 'firm' AND u.organization_id = p.mentee_organization_id))
        )) AS followed
      FROM pair_recommendations r JOIN pairs p ON p.id = r.pair_id
      WHERE r.pair_id IN ${[...pairIds]}
      GROUP BY r.pair_id`);
    return rowsOf<Record<string, unknown>>(rows).map((r) => ({ pairId: String(r.pair_id), recommendations: Number(r.made ?? 0), followed: Number(r.followed ?? 0) }));
  }

  /** Is the course published (what a recommendation may point at)? */
  async publishedCourse(courseId: string): Promise<{ id: string; title: string } | null> {
    const rows = rowsOf<Record<string, unknown>>(await this.db.execute(sql`SELECT id, title FROM courses WHERE id = ${courseId} AND status = 'published'`));
    return rows[0] ? { id: String(rows[0].id), title: String(rows[0].title) } : null;
  }
}
