import { describe, expect, it } from 'vitest';
import { RecentSessions } from '../../server/playback/recent-sessions.ts';
import type { LockedSession } from '../../server/playback/repository.ts';

function state(id: string): LockedSession {
  return {
    id, userId: 'u', lectureId: 'l', openedAt: new Date(0), closedAt: null, closedReason: null, acceptedSeconds: 0, lastPosition: 0,
    version: 1, allowanceSeconds: 5, allowanceAt: new Date(0), carriedInSeconds: 5, lastHeardAt: null, heartbeatCount: 0, lastSeq: -1, preview: false,
    courseStatus: 'published', courseRulesVersion: 0, lectureRulesVersion: 0, progressVersion: 0, dbNow: new Date(0), courseId: 'c', durationSeconds: 600, creditMinutesOverride: null, maxPlaybackRate: 1,
    completionRatio: 0.95, requireVisible: true, presenceChecks: false, progressIntervals: [], progressCompletedAt: null,
    progressCreditMinutes: 0, storedResponse: null,
  };
}

describe('RecentSessions', () => {
  it('answers a remembered state only to the same cookie, and forgets it for another', () => {
    const recent = new RecentSessions(10, 1000);
    recent.set(state('a'), 'token-1', 0);
    expect(recent.get('a', 'token-1', 10)?.id).toBe('a');
    expect(recent.get('a', 'token-2', 10)).toBeUndefined();
    expect(recent.get('a', 'token-1', 10)).toBeUndefined(); // a mismatch forgets it
    expect(recent.get('b', 'token-1', 10)).toBeUndefined();
  });

  it('forgets a session idle for longer than the limit', () => {
    const recent = new RecentSessions(10, 1000);
    recent.set(state('a'), 't', 0);
    expect(recent.get('a', 't', 1000)?.id).toBe('a');
    expect(recent.get('a', 't', 1001)).toBeUndefined();
    expect(recent.size).toBe(0);
  });

  it('when full, idle sessions make room; with none idle, the live ones keep their place', () => {
    const recent = new RecentSessions(2, 1000);
    recent.set(state('a'), 't', 0);
    recent.set(state('b'), 't', 500);
    recent.set(state('c'), 't', 600); // full and nobody idle: c is not remembered
    expect(recent.get('c', 't', 600)).toBeUndefined();
    expect(recent.get('a', 't', 600)?.id).toBe('a');
    recent.set(state('a'), 't', 700); // updating a known one always works
    recent.set(state('c'), 't', 1600); // b (stored at 500) is idle now: it makes room
    expect(recent.get('c', 't', 1600)?.id).toBe('c');
    expect(recent.get('b', 't', 1600)).toBeUndefined();
    expect(recent.size).toBe(2);
  });
});

describe('RecentSessions with no room (HEARTBEAT_MEMORY_SESSIONS=0)', () => {
  it('remembers nothing', () => {
    const recent = new RecentSessions(0, 1000);
    recent.set(state('a'), 't', 0);
    expect(recent.get('a', 't', 0)).toBeUndefined();
    expect(recent.size).toBe(0);
  });
});
