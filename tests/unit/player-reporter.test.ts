import { describe, expect, it } from 'vitest';
import type { HeartbeatRequest, HeartbeatResponse, PresenceCheck } from '../../web/src/lib/api/types.ts';
import { HeartbeatQueue, memoryStore, type SendOutcome } from '../../web/src/lib/player/heartbeat-queue.ts';
import { PlaybackReporter, type ReporterState } from '../../web/src/lib/player/reporter.ts';

/** Hand-driven timers: the test decides when a heartbeat tick or a retry fires. */
function manualTimers() {
  const timers = new Map<number, { callback: () => void; ms: number }>();
  let next = 1;
  return {
    timers,
    setTimer: (callback: () => void, ms: number) => {
      timers.set(next, { callback, ms });
      return next++;
    },
    clearTimer: (handle: unknown) => void timers.delete(handle as number),
    fire(ms: number) {
      for (const [id, timer] of [...timers]) {
        if (timer.ms === ms) {
          timers.delete(id);
          timer.callback();
        }
      }
    },
  };
}

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

function response(extra: Partial<HeartbeatResponse> = {}): HeartbeatResponse {
  return { acceptedSeconds: 15, rejected: [], coverageSeconds: 15, coverageRatio: 0.5, completed: false, creditMinutes: 0, ...extra };
}

function setup(sendImpl: (body: HeartbeatRequest) => SendOutcome) {
  const queue = new HeartbeatQueue(memoryStore());
  queue.open('s1', 'l1', 'u1');
  const timers = manualTimers();
  const sent: HeartbeatRequest[] = [];
  const states: ReporterState[] = [];
  const checks: PresenceCheck[] = [];
  const reporter = new PlaybackReporter({
    queue,
    sessionId: 's1',
    heartbeatSeconds: 15,
    send: async (_id, body) => {
      const outcome = sendImpl(body);
      if (outcome.kind === 'ok') sent.push(body);
      return outcome;
    },
    onState: (state) => states.push(state),
    onPresence: (check) => checks.push(check),
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
    random: () => 1,
  });
  return { queue, timers, sent, states, checks, reporter };
}

function play(reporter: PlaybackReporter, from: number, to: number, startMs: number): number {
  let now = startMs;
  reporter.tracker.play(from, now);
  for (let t = from; t < to; ) {
    now += 250;
    t = Math.min(to, t + 0.25);
    reporter.tracker.progress(t, now, 1);
    reporter.setPosition(t);
  }
  return now;
}

describe('PlaybackReporter', () => {
  it('sends a heartbeat per tick with what was played, and nothing when nothing was', async () => {
    const { reporter, timers, sent } = setup(() => ({ kind: 'ok', response: response() }));
    reporter.start();
    play(reporter, 0, 15, 0);
    timers.fire(15_000);
    await flushPromises();
    expect(sent).toEqual([{ seq: 0, intervals: [[0, 15]], playbackRate: 1, visible: true, position: 15 }]);
    timers.fire(15_000);
    await flushPromises();
    expect(sent).toHaveLength(1);
  });

  it('keeps heartbeats while offline and delivers them in order when the line returns', async () => {
    let online = false;
    const { reporter, timers, sent, states, queue } = setup(() => (online ? { kind: 'ok', response: response() } : { kind: 'retry' }));
    reporter.start();
    let now = play(reporter, 0, 15, 0);
    timers.fire(15_000);
    await flushPromises();
    now = play(reporter, 15, 30, now);
    timers.fire(15_000);
    await flushPromises();
    expect(queue.pendingCount('s1')).toBe(2);
    expect(states.at(-1)).toMatchObject({ offline: true, queued: 2 });

    online = true;
    reporter.online();
    await flushPromises();
    await flushPromises();
    expect(sent.map((h) => [h.seq, h.intervals])).toEqual([
      [0, [[0, 15]]],
      [1, [[15, 30]]],
    ]);
    expect(states.at(-1)).toMatchObject({ offline: false, queued: 0 });
    void now;
  });

  it('cuts a separate heartbeat when the page is hidden or the rate changes', async () => {
    const { reporter, sent } = setup(() => ({ kind: 'ok', response: response() }));
    reporter.start();
    let now = play(reporter, 0, 5, 0);
    reporter.setVisible(false);
    now = play(reporter, 5, 8, now);
    reporter.setRate(1.5);
    await flushPromises();
    expect(sent.map((h) => [h.intervals, h.visible, h.playbackRate])).toEqual([
      [[[0, 5]], true, 1],
      [[[5, 8]], false, 1],
    ]);
    void now;
  });

  it('shows a presence check once, and stops on session_closed', async () => {
    let closed = false;
    const { reporter, timers, checks, states } = setup(() =>
      closed ? { kind: 'closed', reason: 'replaced' } : { kind: 'ok', response: response({ presenceCheck: { id: 'c1', expiresAt: '2030-01-01T00:00:00Z', image: '/api/sessions/s/presence/c1/image.png' } }) },
    );
    reporter.start();
    let now = play(reporter, 0, 5, 0);
    timers.fire(15_000);
    await flushPromises();
    now = play(reporter, 5, 10, now);
    timers.fire(15_000);
    await flushPromises();
    expect(checks.map((c) => c.id)).toEqual(['c1']);

    closed = true;
    play(reporter, 10, 12, now);
    timers.fire(15_000);
    await flushPromises();
    expect(states.at(-1)).toMatchObject({ closed: true, closedReason: 'replaced' });
    expect(timers.timers.size).toBe(0); // nothing more is scheduled
  });

  it('keeps numbering when another tab removed the outbox record meanwhile', async () => {
    const { reporter, timers, sent, queue } = setup(() => ({ kind: 'ok', response: response() }));
    reporter.start();
    let now = play(reporter, 0, 5, 0);
    timers.fire(15_000);
    await flushPromises();
    queue.forget('s1');
    now = play(reporter, 5, 10, now);
    timers.fire(15_000);
    await flushPromises();
    expect(sent.map((h) => h.seq)).toEqual([0, 1]);
    void now;
  });
});
