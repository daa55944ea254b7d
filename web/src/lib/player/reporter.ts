/**
 * The player's reporting loop: every `heartbeatSeconds` it cuts what the IntervalTracker saw into a
 * heartbeat, stores it in the outbox, and delivers the outbox in order. A heartbeat covers one
 * playback rate and one visibility state: when either changes, the current heartbeat is cut early,
 * so the server can judge each interval by the conditions it was played under.
 *
 * No DOM: the clock, timers and the sender are injected, so the whole loop is unit-tested.
 */
import type { HeartbeatResponse, PresenceCheck } from '../api/types.ts';
import { backoffMs, type HeartbeatQueue, type Sender } from './heartbeat-queue.ts';
import { IntervalTracker } from './intervals.ts';

export interface ReporterState {
  /** heartbeats stored and not yet answered */
  queued: number;
  /** the last delivery attempt failed for want of a line (or the browser says it is offline) */
  offline: boolean;
  /** 409 session_closed / session_expired: the session takes no more; nothing more is reported */
  closed: boolean;
  /** why: opened elsewhere ('replaced'), or closed after a long pause ('idle': the page opens a new one) */
  closedReason: 'replaced' | 'idle' | null;
  /** 401: the sign-in expired; heartbeats are kept for later */
  unauthenticated: boolean;
  /** the freshest answer from the server */
  last: HeartbeatResponse | null;
  /** media seconds the server refused to look at (malformed, session gone) */
  droppedSeconds: number;
}

export interface ReporterOptions {
  queue: HeartbeatQueue;
  send: Sender;
  sessionId: string;
  heartbeatSeconds: number;
  onState: (state: ReporterState) => void;
  onPresence: (check: PresenceCheck) => void;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
}

export class PlaybackReporter {
  readonly tracker = new IntervalTracker();
  private rate = 1;
  private visible = true;
  private position = 0;
  private reportedPosition = -1;
  private tickTimer: unknown = null;
  private retryTimer: unknown = null;
  private failures = 0;
  private delivering: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly seenChecks = new Set<string>();
  /** the next seq as this reporter counts it (see HeartbeatQueue.enqueue) */
  private nextSeq: number;
  private readonly owner: { lectureId: string; userId: string } | undefined;
  private readonly state: ReporterState = { queued: 0, offline: false, closed: false, closedReason: null, unauthenticated: false, last: null, droppedSeconds: 0 };
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly options: ReporterOptions) {
    this.setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
    this.state.queued = options.queue.pendingCount(options.sessionId);
    const record = options.queue.record(options.sessionId);
    this.nextSeq = record?.nextSeq ?? 0;
    this.owner = record ? { lectureId: record.lectureId, userId: record.userId } : undefined;
  }

  get snapshot(): ReporterState {
    return { ...this.state };
  }

  /** Starts the heartbeat clock and delivers anything this session left in the outbox. */
  start(): void {
    this.scheduleTick();
    void this.deliver();
  }

  /** Stops the clock (the page is leaving); what is stored stays stored. */
  stop(): void {
    this.stopped = true;
    if (this.tickTimer !== null) this.clearTimer(this.tickTimer);
    if (this.retryTimer !== null) this.clearTimer(this.retryTimer);
    this.tickTimer = this.retryTimer = null;
  }

  setPosition(position: number): void {
    if (Number.isFinite(position)) this.position = position;
  }

  /** The playback rate changed: what was played at the old rate goes out on its own. */
  setRate(rate: number): void {
    if (rate === this.rate) return;
    this.cut();
    this.rate = rate;
  }

  /** The page became visible or hidden: same, one heartbeat per visibility state. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.cut();
    this.visible = visible;
  }

  get playbackRate(): number {
    return this.rate;
  }

  /**
   * Stores a heartbeat with whatever was played since the last one (nothing when nothing was
   * played and the position did not move) and starts a delivery. Returns whether one was stored.
   */
  cut(): boolean {
    if (this.state.closed) return false;
    const intervals = this.tracker.drain();
    const position = Math.round(this.position * 1000) / 1000;
    if (intervals.length === 0 && position === this.reportedPosition) return false;
    const entry = this.options.queue.enqueue(this.options.sessionId, { intervals, playbackRate: this.rate, visible: this.visible, position }, this.nextSeq, this.owner);
    this.nextSeq = entry.seq + 1;
    this.reportedPosition = position;
    this.state.queued = this.options.queue.pendingCount(this.options.sessionId);
    this.emit();
    void this.deliver();
    return true;
  }

  /** The browser says the line is back: try now instead of waiting for the backoff. */
  online(): void {
    this.failures = 0;
    if (this.retryTimer !== null) {
      this.clearTimer(this.retryTimer);
      this.retryTimer = null;
    }
    void this.deliver();
  }

  /** Sends the outbox in order; concurrent calls coalesce into one more pass. */
  deliver(): Promise<void> {
    if (this.delivering) {
      this.again = true;
      return this.delivering;
    }
    this.delivering = (async () => {
      do {
        this.again = false;
        await this.deliverOnce();
      } while (this.again && !this.state.closed && !this.stopped);
    })().finally(() => {
      this.delivering = null;
    });
    return this.delivering;
  }

  private async deliverOnce(): Promise<void> {
    const { queue, sessionId, send } = this.options;
    if (this.state.closed || queue.pendingCount(sessionId) === 0) return;
    const result = await queue.flush(sessionId, send, { keepRecord: true });
    for (const response of result.responses) {
      const check = response.presenceCheck;
      if (check && !this.seenChecks.has(check.id)) {
        this.seenChecks.add(check.id);
        this.options.onPresence(check);
      }
    }
    if (result.lastResponse) this.state.last = result.lastResponse;
    this.state.droppedSeconds += result.droppedSeconds;
    this.state.queued = queue.pendingCount(sessionId);
    this.state.closed = result.stoppedBy === 'closed';
    this.state.closedReason = result.closedReason ?? null;
    this.state.unauthenticated = result.stoppedBy === 'unauthenticated';
    if (result.stoppedBy === 'retry') {
      this.state.offline = true;
      this.scheduleRetry();
    } else {
      if (result.sent > 0 || result.stoppedBy === null) this.state.offline = false;
      this.failures = 0;
    }
    if (this.state.closed) this.stop();
    this.emit();
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    this.tickTimer = this.setTimer(() => {
      this.tickTimer = null;
      this.cut();
      this.scheduleTick();
    }, Math.max(1, this.options.heartbeatSeconds) * 1000);
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer !== null) return;
    const delay = backoffMs(this.failures++, this.options.random?.());
    this.retryTimer = this.setTimer(() => {
      this.retryTimer = null;
      void this.deliver();
    }, delay);
  }

  private emit(): void {
    this.options.onState(this.snapshot);
  }
}
