/**
 * Watching together on the firm's computer (集体观看, docs/credit.md "Group watching"): the shared
 * screen's side. It starts the group (the host's own session opens, and the player takes it over
 * through `takeSession`), adds and removes colleagues, sends the player's heartbeats to the group
 * route (`send`, a heartbeat-queue Sender) and keeps each member's last answer, so the page can show
 * who is present, what was credited, and each member's presence check with their name.
 *
 * The host's own check goes to the player's usual prompt (the host is logged in here); a colleague's
 * is confirmed on their own phone or here with the code and their own password.
 */
import { ApiError } from '../api/client.ts';
import type { GroupMemberBeat, GroupSessionView, GroupsApi, MemberCredentials } from '../api/groups.ts';
import type { HeartbeatRequest } from '../api/types.ts';
import { outcomeForStatus, type SendOutcome } from '../player/heartbeat-queue.ts';
import type { SessionInfo } from '../player/transport.ts';

export class GroupWatch {
  group = $state.raw<GroupSessionView | null>(null);
  /** each member's part of the last group heartbeat, by user id */
  beats = $state.raw<Record<string, GroupMemberBeat>>({});
  busy = $state(false);
  failure = $state.raw<unknown>(null);
  /** checks confirmed from this screen (hidden until the next answer) */
  private confirmed = $state.raw<string[]>([]);
  private pendingSession: SessionInfo | null = null;

  constructor(
    private readonly api: GroupsApi,
    private readonly noteFailure: (error: unknown) => unknown = (error) => error,
  ) {}

  readonly ended = $derived(this.group?.endedAt != null);
  readonly present = $derived(this.group?.members.filter((m) => m.present) ?? []);
  readonly hostSessionId = $derived(this.group?.members.find((m) => m.userId === this.group?.host.id && m.present)?.sessionId ?? null);
  /** colleagues (not the host) with an open check in the last answer */
  readonly prompts = $derived(
    Object.values(this.beats).filter((b) => b.userId !== this.group?.host.id && b.presenceCheck && !this.confirmed.includes(b.presenceCheck.id) && this.present.some((m) => m.userId === b.userId)),
  );

  private async run<T>(work: () => Promise<T>): Promise<T | null> {
    this.busy = true;
    this.failure = null;
    try {
      return await work();
    } catch (error) {
      this.failure = this.noteFailure(error);
      return null;
    } finally {
      this.busy = false;
    }
  }

  async start(lectureId: string): Promise<boolean> {
    const started = await this.run(() => this.api.start(lectureId));
    if (!started) return false;
    this.group = started.group;
    this.pendingSession = started.session;
    return true;
  }

  /** The player's next openSession: the host's session the group opened (once). */
  takeSession(): Promise<SessionInfo> | null {
    const session = this.pendingSession;
    this.pendingSession = null;
    return session ? Promise.resolve(session) : null;
  }

  owns(sessionId: string): boolean {
    return this.group?.members.some((m) => m.sessionId === sessionId && m.userId === this.group?.host.id) ?? false;
  }

  async add(credentials: MemberCredentials): Promise<boolean> {
    const group = this.group;
    if (!group) return false;
    const next = await this.run(() => this.api.addMember(group.id, credentials));
    if (next) this.group = next;
    return next !== null;
  }

  async remove(userId: string): Promise<void> {
    const group = this.group;
    if (!group) return;
    const next = await this.run(() => this.api.leave(group.id, userId));
    if (next) this.group = next;
  }

  async end(): Promise<void> {
    const group = this.group;
    if (!group) return;
    const next = await this.run(() => this.api.end(group.id));
    if (next) this.group = next;
  }

  async refresh(): Promise<void> {
    const group = this.group;
    if (!group) return;
    try {
      this.group = await this.api.get(group.id);
    } catch (error) {
      this.noteFailure(error);
    }
  }

  /** A Sender for the host's session: the tick goes to the group; the host's own part answers the player. */
  send = async (sessionId: string, body: HeartbeatRequest): Promise<SendOutcome> => {
    const group = this.group;
    if (!group) return { kind: 'reject' };
    try {
      const answer = await this.api.heartbeat(group.id, body);
      this.beats = Object.fromEntries(answer.members.map((m) => [m.userId, m]));
      this.confirmed = [];
      const before = this.group?.members.filter((m) => m.present).length;
      if (answer.ended || answer.members.some((m) => m.state !== 'recorded') || before !== answer.members.length) void this.refresh();
      const mine = answer.members.find((m) => m.sessionId === sessionId);
      if (!mine || mine.state === 'closed') return { kind: 'closed', reason: 'replaced' };
      if (mine.state === 'error') return { kind: 'reject' };
      const { userId: _u, name: _n, sessionId: _s, state: _st, error: _e, ...response } = mine;
      return { kind: 'ok', response };
    } catch (error) {
      if (error instanceof ApiError) {
        this.noteFailure(error);
        if (error.code === 'group_ended') {
          void this.refresh();
          return { kind: 'closed', reason: 'replaced' };
        }
        return outcomeForStatus(error.status, error.code);
      }
      return { kind: 'retry' };
    }
  };

  imageUrl(userId: string, checkId: string): string | null {
    return this.group ? this.api.presenceImageUrl(this.group.id, userId, checkId) : null;
  }

  /** A colleague confirms here: the code in their picture and their own password. */
  async confirm(userId: string, code: string, password: string): Promise<boolean> {
    const group = this.group;
    const check = this.beats[userId]?.presenceCheck;
    if (!group || !check) return false;
    const done = await this.run(async () => {
      await this.api.confirmOnScreen(group.id, userId, { checkId: check.id, code: code.trim(), password });
      return true;
    });
    if (done) this.confirmed = [...this.confirmed, check.id];
    return done === true;
  }
}
