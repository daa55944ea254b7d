/**
 * The only code that touches `group_sessions`, `group_members` and `group_join_codes`
 * (server/db/schema/groups.ts). Playback sessions are opened and judged by PlaybackService; the
 * one write here on `playback_sessions` closes a member's own group session when they leave the
 * group (bumping its version like every other close, so a remembered heartbeat state is stale).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { dateOf, rowsOf } from '../db/rows.ts';

export type ConfirmedBy = 'host' | 'password' | 'phone_code';
export type LeftReason = 'removed' | 'left' | 'session_elsewhere' | 'idle' | 'group_ended';

export interface GroupUser {
  id: string;
  login: string;
  name: string;
  organizationId: string;
  organizationKind: string;
  organizationName: string;
  licenseNo: string | null;
  disabled: boolean;
}

export interface GroupRow {
  id: string;
  organizationId: string;
  organizationName: string;
  lectureId: string;
  lectureTitle: string;
  hostUserId: string;
  hostName: string;
  startedAt: Date;
  endedAt: Date | null;
  endedReason: string | null;
  lastSeq: number;
}

export interface MemberRow {
  id: string;
  groupId: string;
  userId: string;
  name: string;
  login: string;
  joinedAt: Date;
  confirmedBy: ConfirmedBy;
  joinedAfterSeq: number;
  leftAt: Date | null;
  leftReason: LeftReason | null;
  leftAtSeq: number | null;
  playbackSessionId: string;
}

type Row = Record<string, unknown>;

const userOf = (r: Row): GroupUser => ({
  id: String(r.id),
  login: String(r.login),
  name: String(r.name),
  organizationId: String(r.organization_id),
  organizationKind: String(r.kind),
  organizationName: String(r.org_name),
  licenseNo: (r.license_no as string | null) ?? null,
  disabled: Boolean(r.disabled),
});

const groupOf = (r: Row): GroupRow => ({
  id: String(r.id),
  organizationId: String(r.organization_id),
  organizationName: String(r.org_name),
  lectureId: String(r.lecture_id),
  lectureTitle: String(r.lecture_title),
  hostUserId: String(r.host_user_id),
  hostName: String(r.host_name),
  startedAt: dateOf(r.started_at)!,
  endedAt: dateOf(r.ended_at),
  endedReason: (r.ended_reason as string | null) ?? null,
  lastSeq: Number(r.last_seq),
});

const memberOf = (r: Row): MemberRow => ({
  id: String(r.id),
  groupId: String(r.group_id),
  userId: String(r.user_id),
  name: String(r.name),
  login: String(r.login),
  joinedAt: dateOf(r.joined_at)!,
  confirmedBy: r.confirmed_by as ConfirmedBy,
  joinedAfterSeq: Number(r.joined_after_seq),
  leftAt: dateOf(r.left_at),
  leftReason: (r.left_reason as LeftReason | null) ?? null,
  leftAtSeq: r.left_at_seq == null ? null : Number(r.left_at_seq),
  playbackSessionId: String(r.playback_session_id),
});

const USER_SELECT = sql`
  SELECT u.id, u.login, u.name, u.organization_id, u.license_no, u.disabled, o.kind, o.name AS org_name
  FROM users u JOIN organizations o ON o.id = u.organization_id`;

const GROUP_SELECT = sql`
  SELECT g.*, o.name AS org_name, l.title AS lecture_title, h.name AS host_name
  FROM group_sessions g JOIN organizations o ON o.id = g.organization_id JOIN lectures l ON l.id = g.lecture_id JOIN users h ON h.id = g.host_user_id`;

/**
 * The one statement of members leaving: the present members `which` picks get `left_at`,
 * `left_reason` and the group's last seq (a late outbox up to it still counts). With
 * `withSession`, `at` and `reason` can read the member's playback session `s`.
 */
const leaveMembers = (which: SQL, at: SQL, reason: SQL, withSession = false) => sql`
  UPDATE group_members m SET left_at = ${at}, left_reason = ${reason}, left_at_seq = g.last_seq
  FROM group_sessions g${withSession ? sql`, playback_sessions s` : sql``}
  WHERE ${which} AND g.id = m.group_id AND m.left_at IS NULL${withSession ? sql` AND s.id = m.playback_session_id` : sql``}
  RETURNING m.playback_session_id`;

export class GroupsRepository {
  constructor(private readonly db: Db) {}

  private async rows(query: ReturnType<typeof sql>): Promise<Row[]> {
    return rowsOf<Row>(await this.db.execute(query));
  }

  async userById(userId: string): Promise<GroupUser | null> {
    const [r] = await this.rows(sql`${USER_SELECT} WHERE u.id = ${userId}`);
    return r ? userOf(r) : null;
  }

  async userByLogin(login: string): Promise<GroupUser | null> {
    const [r] = await this.rows(sql`${USER_SELECT} WHERE u.login = ${login}`);
    return r ? userOf(r) : null;
  }

  async insertGroup(values: { organizationId: string; lectureId: string; hostUserId: string }): Promise<string> {
    const [r] = await this.rows(sql`INSERT INTO group_sessions (organization_id, lecture_id, host_user_id) VALUES (${values.organizationId}, ${values.lectureId}, ${values.hostUserId}) RETURNING id`);
    return String(r!.id);
  }

  async findGroup(groupId: string): Promise<GroupRow | null> {
    const [r] = await this.rows(sql`${GROUP_SELECT} WHERE g.id = ${groupId}`);
    return r ? groupOf(r) : null;
  }

  async insertMember(values: { groupId: string; userId: string; confirmedBy: ConfirmedBy; playbackSessionId: string }): Promise<void> {
    await this.db.execute(sql`
      INSERT INTO group_members (group_id, user_id, confirmed_by, playback_session_id, joined_after_seq)
      SELECT ${values.groupId}, ${values.userId}, ${values.confirmedBy}, ${values.playbackSessionId}, g.last_seq FROM group_sessions g WHERE g.id = ${values.groupId}`);
  }

  async members(groupId: string): Promise<MemberRow[]> {
    const rows = await this.rows(sql`
      SELECT m.*, u.name, u.login FROM group_members m JOIN users u ON u.id = m.user_id
      WHERE m.group_id = ${groupId} ORDER BY m.joined_at, m.id`);
    return rows.map(memberOf);
  }

  /**
   * Members whose own playback session closed by itself (they opened a lecture elsewhere:
   * 'replaced'; nothing heard for 30 minutes: 'idle') have left the group then.
   */
  async settleClosedSessions(groupId: string): Promise<void> {
    await this.db.execute(
      leaveMembers(sql`m.group_id = ${groupId} AND s.closed_at IS NOT NULL`, sql`s.closed_at`, sql`CASE WHEN s.closed_reason = 'idle' THEN 'idle' ELSE 'session_elsewhere' END`, true),
    );
  }

  /** Records the leave and closes the member's group playback session; false when already left. */
  async leave(memberId: string, reason: LeftReason): Promise<boolean> {
    const [r] = await this.rows(leaveMembers(sql`m.id = ${memberId}`, sql`now()`, sql`${reason}`));
    if (!r) return false;
    await this.db.execute(sql`
      UPDATE playback_sessions SET closed_at = now(), closed_reason = 'group_left', version = version + 1
      WHERE id = ${String(r.playback_session_id)} AND closed_at IS NULL`);
    return true;
  }

  /** Ends the group once; false when it had ended already. */
  async endGroup(groupId: string, reason: 'host_ended' | 'host_left'): Promise<boolean> {
    const [r] = await this.rows(sql`UPDATE group_sessions SET ended_at = now(), ended_reason = ${reason} WHERE id = ${groupId} AND ended_at IS NULL RETURNING id`);
    return Boolean(r);
  }

  async noteSeq(groupId: string, seq: number): Promise<void> {
    await this.db.execute(sql`UPDATE group_sessions SET last_seq = greatest(last_seq, ${seq}) WHERE id = ${groupId}`);
  }

  /** The caller's present membership in a group not ended, if any. */
  async presentMembershipOf(userId: string): Promise<{ group: GroupRow; member: MemberRow } | null> {
    const [m] = await this.rows(sql`
      SELECT m.*, u.name, u.login FROM group_members m JOIN users u ON u.id = m.user_id JOIN group_sessions g ON g.id = m.group_id
      WHERE m.user_id = ${userId} AND m.left_at IS NULL AND g.ended_at IS NULL ORDER BY m.joined_at DESC LIMIT 1`);
    if (!m) return null;
    const member = memberOf(m);
    const group = await this.findGroup(member.groupId);
    return group ? { group, member } : null;
  }

  /** The issued, unanswered, unexpired presence check of a lawyer on a lecture (on the database clock). */
  async openCheck(userId: string, lectureId: string): Promise<{ id: string; expiresAt: Date } | null> {
    const [r] = await this.rows(sql`
      SELECT id, expires_at FROM presence_checks
      WHERE user_id = ${userId} AND lecture_id = ${lectureId} AND issued_at IS NOT NULL AND confirmed_at IS NULL AND expires_at > now()
      ORDER BY issued_at DESC LIMIT 1`);
    return r ? { id: String(r.id), expiresAt: dateOf(r.expires_at)! } : null;
  }

  async storeJoinCode(userId: string, codeHash: string, seconds: number): Promise<Date> {
    const [r] = await this.rows(sql`
      INSERT INTO group_join_codes (user_id, code_hash, expires_at) VALUES (${userId}, ${codeHash}, now() + make_interval(secs => ${seconds}))
      ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, used_at = NULL, wrong_tries = 0
      RETURNING expires_at`);
    return dateOf(r!.expires_at)!;
  }

  /**
   * Uses the lawyer's join code once: true when it matched (it is spent then). A wrong code counts a
   * wrong try; after `maxWrong` the code is void whatever is typed.
   */
  async useJoinCode(userId: string, codeHash: string, maxWrong: number): Promise<boolean> {
    const [used] = await this.rows(sql`
      UPDATE group_join_codes SET used_at = now()
      WHERE user_id = ${userId} AND code_hash = ${codeHash} AND used_at IS NULL AND expires_at > now() AND wrong_tries < ${maxWrong}
      RETURNING user_id`);
    if (used) return true;
    await this.db.execute(sql`UPDATE group_join_codes SET wrong_tries = wrong_tries + 1 WHERE user_id = ${userId} AND used_at IS NULL`);
    return false;
  }

  /** For the evidence page: the group each of these playback sessions belonged to, with every member stretch. */
  async groupsOfSessions(sessionIds: string[]): Promise<Map<string, { group: GroupRow; members: MemberRow[] }>> {
    const out = new Map<string, { group: GroupRow; members: MemberRow[] }>();
    if (sessionIds.length === 0) return out;
    const links = await this.rows(sql`SELECT playback_session_id, group_id FROM group_members WHERE playback_session_id IN (${sql.join(sessionIds.map((id) => sql`${id}`), sql`, `)})`);
    const cache = new Map<string, { group: GroupRow; members: MemberRow[] }>();
    for (const link of links) {
      const groupId = String(link.group_id);
      let entry = cache.get(groupId);
      if (!entry) {
        const group = await this.findGroup(groupId);
        if (!group) continue;
        entry = { group, members: await this.members(groupId) };
        cache.set(groupId, entry);
      }
      out.set(String(link.playback_session_id), entry);
    }
    return out;
  }
}
