/**
 * Watching together on a firm's computer (集体观看, docs/credit.md "Group watching"). A group is a
 * list of who sat in front of one shared screen and when; the credit stays PlaybackService's: each
 * member watches in a playback session of their own (opened through `openSession`, so the one
 * allowance and "one session at a time" hold), and every group heartbeat is judged, member by
 * member, by `PlaybackService.heartbeat` on that member's own session — own allowance, own presence
 * checks, own coverage. Nothing here decides a credited second.
 */
import { createHash, randomInt } from 'node:crypto';
import type { SessionUser } from '../auth/access.ts';
import type { AuthService } from '../auth/service.ts';
import { HttpError, forbidden, notFound } from '../http/errors.ts';
import type { HeartbeatAnswer, HeartbeatBody, PlaybackService, RequestMeta } from '../playback/service.ts';
import type { SessionAnswer } from '../playback/schemas.ts';
import type { GroupRow, GroupsRepository, GroupUser, MemberRow } from './repository.ts';
import type { GroupHeartbeatAnswer, GroupMemberBeat, GroupSessionView, JoinCodeView, MemberCredentials, MyGroupView, ScreenPresenceBody } from './schemas.ts';

/** A join code is valid this long. */
export const JOIN_CODE_SECONDS = 5 * 60;
/** Wrong tries after which a join code is void (6 digits: at most 5 guesses in a million). */
export const JOIN_CODE_MAX_WRONG = 5;

const credentialsWrong = () => new HttpError(422, 'group_credentials_wrong', 'The login and password (or the code from the phone) do not match. Check them and try again.');
const joinCodeWrong = () => new HttpError(422, 'group_join_code_wrong', 'That join code is wrong, used or expired. Make a new one on your phone (我的 → 集体观看加入码).');
const notFirmLawyer = () => new HttpError(403, 'group_needs_firm_lawyer', 'Only a practising lawyer of a law firm can watch together on the firm’s computer.');
const groupEnded = () => new HttpError(409, 'group_ended', 'This group session has ended. Start a new one to watch together again.');

export function joinCodeHash(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}:${code}`).digest('base64url');
}

export class GroupsService {
  constructor(
    private readonly repo: GroupsRepository,
    /** the app's one PlaybackService, the playback routes' own (server/services.ts) */
    readonly playback: PlaybackService,
    private readonly auth: AuthService,
  ) {}

  /**
   * A member's own password, typed at the shared screen: checked by the login limit
   * (`AuthService.checkPassword`; its 429 passes through), a wrong one is 422 group_credentials_wrong.
   */
  private async memberPassword(login: string, password: string, ip: string): Promise<{ id: string }> {
    try {
      return await this.auth.checkPassword(login, password, ip);
    } catch (error) {
      if (error instanceof HttpError && error.code === 'invalid_credentials') throw credentialsWrong();
      throw error;
    }
  }

  private async firmLawyer(userId: string): Promise<GroupUser> {
    const user = await this.repo.userById(userId);
    if (!user || user.disabled || user.licenseNo === null || user.organizationKind !== 'firm') throw notFirmLawyer();
    return user;
  }

  /** The group, for its host only (an unknown id reads as 403 to anyone else than a host, like someone else's). */
  private async hostedGroup(user: SessionUser, groupId: string): Promise<GroupRow> {
    const group = await this.repo.findGroup(groupId);
    if (!group || group.hostUserId !== user.id) throw forbidden('Only the lawyer who started this group session can do this.');
    return this.settle(group);
  }

  /**
   * Members whose session closed elsewhere have left; when the host has left (their session closed
   * because they opened another lecture), the group ends and everyone leaves it.
   */
  private async settle(group: GroupRow): Promise<GroupRow> {
    if (group.endedAt) return group;
    await this.repo.settleClosedSessions(group.id);
    const members = await this.repo.members(group.id);
    const hostPresent = members.some((m) => m.userId === group.hostUserId && m.leftAt === null);
    if (!hostPresent) await this.end(group, 'host_left');
    return (await this.repo.findGroup(group.id))!;
  }

  private async end(group: GroupRow, reason: 'host_ended' | 'host_left'): Promise<void> {
    if (!(await this.repo.endGroup(group.id, reason))) return;
    for (const m of await this.repo.members(group.id)) if (m.leftAt === null) await this.repo.leave(m.id, 'group_ended');
  }

  async view(groupId: string): Promise<GroupSessionView> {
    const group = (await this.repo.findGroup(groupId))!;
    return viewOf(group, await this.repo.members(groupId));
  }

  /**
   * A lawyer of a firm starts a group on the firm's computer: their own session opens as usual
   * (the route adds its subtitles, as the session route does: GroupStarted).
   */
  async start(user: SessionUser, lectureId: string, meta: RequestMeta): Promise<{ group: GroupSessionView; session: Omit<SessionAnswer, 'subtitles'> }> {
    const host = await this.firmLawyer(user.id);
    const session = await this.playback.openSession(user, lectureId, meta);
    const groupId = await this.repo.insertGroup({ organizationId: host.organizationId, lectureId: session.lectureId, hostUserId: user.id });
    await this.repo.insertMember({ groupId, userId: user.id, confirmedBy: 'host', playbackSessionId: session.sessionId });
    return { group: await this.view(groupId), session };
  }

  async get(user: SessionUser, groupId: string): Promise<GroupSessionView> {
    const group = await this.hostedGroup(user, groupId);
    return viewOf(group, await this.repo.members(group.id));
  }

  /**
   * A colleague confirms with their own password or the one-time code of their own phone. They are
   * not logged in on the firm's computer: a playback session of theirs opens (closing any other).
   */
  async addMember(user: SessionUser, groupId: string, body: MemberCredentials, meta: RequestMeta & { ip: string }): Promise<GroupSessionView> {
    const group = await this.hostedGroup(user, groupId);
    if (group.endedAt) throw groupEnded();
    let member: GroupUser | null;
    let confirmedBy: 'password' | 'phone_code';
    if ('password' in body) {
      member = await this.repo.userById((await this.memberPassword(body.login, body.password, meta.ip)).id);
      confirmedBy = 'password';
    } else {
      member = await this.repo.userByLogin(body.login);
      if (!member || member.disabled || !(await this.repo.useJoinCode(member.id, joinCodeHash(member.id, body.code.trim()), JOIN_CODE_MAX_WRONG))) throw joinCodeWrong();
      confirmedBy = 'phone_code';
    }
    if (!member || member.licenseNo === null || member.organizationId !== group.organizationId) {
      throw new HttpError(403, 'group_member_outside_firm', 'Only practising lawyers of this firm can join its group session.');
    }
    const members = await this.repo.members(group.id);
    if (members.some((m) => m.userId === member.id && m.leftAt === null)) throw new HttpError(409, 'group_member_present', 'This lawyer is already in the group.');
    const memberUser = await this.auth.sessionUser(member.id);
    if (!memberUser) throw credentialsWrong();
    const session = await this.playback.openSession(memberUser, group.lectureId, meta);
    await this.repo.insertMember({ groupId: group.id, userId: member.id, confirmedBy, playbackSessionId: session.sessionId });
    return this.view(group.id);
  }

  /** The host removes a member, or a member leaves (from their own phone). The host leaving ends the group. */
  async leave(user: SessionUser, groupId: string, userId: string): Promise<GroupSessionView> {
    const found = await this.repo.findGroup(groupId);
    if (!found || (found.hostUserId !== user.id && user.id !== userId)) throw forbidden('Only the host or the member themselves can do this.');
    const group = await this.settle(found);
    const member = (await this.repo.members(group.id)).find((m) => m.userId === userId && m.leftAt === null);
    if (!member) {
      if (user.id !== group.hostUserId) throw forbidden('You are not in this group.');
      throw notFound('The member');
    }
    if (userId === group.hostUserId) await this.end(group, 'host_ended');
    else await this.repo.leave(member.id, user.id === group.hostUserId ? 'removed' : 'left');
    return this.view(group.id);
  }

  async endGroup(user: SessionUser, groupId: string): Promise<GroupSessionView> {
    const group = await this.hostedGroup(user, groupId);
    await this.end(group, 'host_ended');
    return this.view(group.id);
  }

  /**
   * One tick of the shared screen's player, judged for each member present for it (joined before
   * this seq, not left before it) on their own playback session.
   */
  async heartbeat(user: SessionUser, groupId: string, body: HeartbeatBody, meta: RequestMeta): Promise<GroupHeartbeatAnswer> {
    let group = await this.hostedGroup(user, groupId);
    if (group.endedAt && body.seq > group.lastSeq) throw groupEnded();
    await this.repo.noteSeq(group.id, body.seq);
    const members = (await this.repo.members(group.id)).filter((m) => presentFor(m, body.seq));
    const answers = await Promise.all(members.map((m) => this.judgeFor(group, m, body, meta)));
    group = await this.settle((await this.repo.findGroup(group.id))!);
    return { groupId: group.id, ended: group.endedAt !== null, members: answers };
  }

  private async judgeFor(group: GroupRow, m: MemberRow, body: HeartbeatBody, meta: RequestMeta): Promise<GroupMemberBeat> {
    const who = { userId: m.userId, name: m.name, sessionId: m.playbackSessionId };
    try {
      const outcome = await this.playback.heartbeat(memberUser(m, group), m.playbackSessionId, body, meta);
      return { ...who, state: outcome.kind, ...this.groupAnswer(group, m, outcome.answer) };
    } catch (error) {
      if (!(error instanceof HttpError) || error.statusCode >= 500) throw error;
      return { ...who, state: 'error', error: error.code, acceptedSeconds: 0, rejected: [], coverageSeconds: 0, coverageRatio: 0, completed: false, creditMinutes: 0 };
    }
  }

  /** A member's check is shown on the shared screen through the group's own image route. */
  private groupAnswer(group: GroupRow, m: MemberRow, answer: HeartbeatAnswer): HeartbeatAnswer {
    if (!answer.presenceCheck) return answer;
    const image = `/api/group-sessions/${group.id}/members/${m.userId}/presence/${answer.presenceCheck.id}/image.png`;
    return { ...answer, presenceCheck: { ...answer.presenceCheck, image } };
  }

  private async presentMember(user: SessionUser, groupId: string, userId: string): Promise<{ group: GroupRow; member: MemberRow }> {
    const group = await this.hostedGroup(user, groupId);
    const member = (await this.repo.members(group.id)).find((m) => m.userId === userId && m.leftAt === null);
    if (!member) throw notFound('The member');
    return { group, member };
  }

  async presenceImage(user: SessionUser, groupId: string, userId: string, checkId: string): Promise<Buffer> {
    const { group, member } = await this.presentMember(user, groupId, userId);
    return this.playback.presenceCheckImage(memberUser(member, group), member.playbackSessionId, checkId);
  }

  /**
   * On the shared screen a member confirms a check with the code AND their own password: the code
   * alone would let whoever sits at the keyboard confirm for everyone.
   */
  async confirmOnScreen(user: SessionUser, groupId: string, userId: string, body: ScreenPresenceBody, ip: string): Promise<void> {
    const { group, member } = await this.presentMember(user, groupId, userId);
    await this.memberPassword(member.login, body.password, ip);
    await this.playback.confirmPresence(memberUser(member, group), member.playbackSessionId, body.checkId, body.code);
  }

  /** The member's own phone: a fresh one-time join code (the previous one is void). */
  async joinCode(user: SessionUser): Promise<JoinCodeView> {
    await this.firmLawyer(user.id);
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = await this.repo.storeJoinCode(user.id, joinCodeHash(user.id, code), JOIN_CODE_SECONDS);
    return { code, expiresAt: expiresAt.toISOString() };
  }

  /** The member's own phone: the group they are in now, and the presence check the shared screen shows for them. */
  async myGroup(user: SessionUser): Promise<MyGroupView> {
    await this.firmLawyer(user.id);
    let found = await this.repo.presentMembershipOf(user.id);
    if (found) {
      await this.settle(found.group);
      found = await this.repo.presentMembershipOf(user.id);
    }
    if (!found) return { group: null };
    const { group, member } = found;
    const check = await this.repo.openCheck(user.id, group.lectureId);
    return {
      group: {
        id: group.id,
        lectureId: group.lectureId,
        lectureTitle: group.lectureTitle,
        hostName: group.hostName,
        firmName: group.organizationName,
        joinedAt: member.joinedAt.toISOString(),
        sessionId: member.playbackSessionId,
        presenceCheck: check ? { id: check.id, expiresAt: check.expiresAt.toISOString() } : null,
      },
    };
  }
}

/** Judged for a group heartbeat: joined before it, and not left before it (a late outbox still counts). */
export function presentFor(m: MemberRow, seq: number): boolean {
  if (seq <= m.joinedAfterSeq) return false;
  if (m.leftAt === null) return true;
  return m.leftAtSeq !== null && seq <= m.leftAtSeq;
}

/** The member as PlaybackService sees a caller: it only compares the id with the session's owner. */
function memberUser(m: MemberRow, group: GroupRow): SessionUser {
  return { id: m.userId, login: m.login, name: m.name, organizationId: group.organizationId, roles: [], passwordChangeRequired: false };
}

export function viewOf(group: GroupRow, members: MemberRow[]): GroupSessionView {
  return {
    id: group.id,
    lectureId: group.lectureId,
    lectureTitle: group.lectureTitle,
    firm: { id: group.organizationId, name: group.organizationName },
    host: { id: group.hostUserId, name: group.hostName },
    startedAt: group.startedAt.toISOString(),
    endedAt: group.endedAt?.toISOString() ?? null,
    endedReason: group.endedReason,
    members: members.map((m) => ({
      userId: m.userId,
      name: m.name,
      login: m.login,
      joinedAt: m.joinedAt.toISOString(),
      confirmedBy: m.confirmedBy,
      leftAt: m.leftAt?.toISOString() ?? null,
      leftReason: m.leftReason,
      present: m.leftAt === null,
      sessionId: m.playbackSessionId,
    })),
  };
}
