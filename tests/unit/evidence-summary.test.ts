/** The pure readings behind the evidence page: session ends, presence-check states, device labels. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkStates, deviceOf, sessionEnd, type CheckRow } from '../../server/evidence/summary.ts';

const at = (iso: string) => new Date(iso);

describe('sessionEnd', () => {
  const base = { closedAt: null, closedReason: null, lastHeartbeatAt: null, replacedBy: null };

  it('a session replaced by a newer one ended when that one opened, and names it', () => {
    const replacedBy = { sessionId: 's2', lectureTitle: '第二讲' };
    expect(sessionEnd({ ...base, closedAt: at('2026-05-01T02:00:00Z'), closedReason: 'replaced', lastHeartbeatAt: at('2026-05-01T01:59:00Z'), replacedBy })).toEqual({
      kind: 'replaced',
      at: at('2026-05-01T02:00:00Z'),
      replacedBy,
    });
  });

  it('another close reason is kept as it was stored', () => {
    expect(sessionEnd({ ...base, closedAt: at('2026-05-01T02:00:00Z'), closedReason: 'account_disabled' })).toEqual({ kind: 'closed', at: at('2026-05-01T02:00:00Z'), reason: 'account_disabled' });
    expect(sessionEnd({ ...base, closedAt: at('2026-05-01T02:00:00Z') })).toEqual({ kind: 'closed', at: at('2026-05-01T02:00:00Z'), reason: 'unknown' });
  });

  it('an open session ends, as far as anyone knows, at its last heartbeat', () => {
    expect(sessionEnd({ ...base, lastHeartbeatAt: at('2026-05-01T01:00:00Z') })).toEqual({ kind: 'last_heartbeat', at: at('2026-05-01T01:00:00Z') });
    expect(sessionEnd(base)).toEqual({ kind: 'no_heartbeat' });
  });
});

describe('checkStates', () => {
  const now = at('2026-05-01T12:00:00Z');
  const check = (id: string, over: Partial<CheckRow>): CheckRow => ({ id, dueAtMedia: 100, issuedAt: null, expiresAt: null, confirmedAt: null, wrongAnswers: 0, heldSeconds: 0, ...over });

  it('names each outcome', () => {
    const states = checkStates(
      [
        check('confirmed', { issuedAt: at('2026-05-01T10:00:00Z'), expiresAt: at('2026-05-01T10:01:30Z'), confirmedAt: at('2026-05-01T10:00:20Z') }),
        check('lapsed', { issuedAt: at('2026-05-01T11:00:00Z'), expiresAt: at('2026-05-01T11:01:30Z') }),
        check('open', { issuedAt: at('2026-05-01T11:59:00Z'), expiresAt: at('2026-05-01T12:00:30Z') }),
        check('planned', {}),
      ],
      now,
    );
    expect(states).toEqual([
      { kind: 'confirmed', confirmedAt: at('2026-05-01T10:00:20Z') },
      { kind: 'expired', expiresAt: at('2026-05-01T11:01:30Z') },
      { kind: 'open', expiresAt: at('2026-05-01T12:00:30Z') },
      { kind: 'not_reached' },
    ]);
  });

  it('a check followed by a newer one is expired even before its own expiry time', () => {
    const states = checkStates(
      [check('old', { issuedAt: at('2026-05-01T11:59:00Z'), expiresAt: at('2026-05-01T12:00:30Z') }), check('new', { issuedAt: at('2026-05-01T11:59:40Z'), expiresAt: at('2026-05-01T12:01:10Z') })],
      now,
    );
    expect(states.map((s) => s.kind)).toEqual(['expired', 'open']);
  });

  it('property: at most one check is open, every confirmed one stays confirmed, unissued ones are never reached', () => {
    const instant = fc.integer({ min: 0, max: 10_000 }).map((s) => new Date(Date.UTC(2026, 4, 1) + s * 1000));
    const row = fc.record({
      issuedAt: fc.option(instant, { nil: null }),
      answerAfter: fc.option(fc.integer({ min: 0, max: 200 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 8 }), instant, (rows, clock) => {
        const checks = rows.map((r, i): CheckRow => ({
          id: String(i),
          wrongAnswers: 0,
          heldSeconds: 0,
          dueAtMedia: i * 60,
          issuedAt: r.issuedAt,
          expiresAt: r.issuedAt ? new Date(r.issuedAt.getTime() + 90_000) : null,
          confirmedAt: r.issuedAt && r.answerAfter !== null ? new Date(r.issuedAt.getTime() + r.answerAfter * 1000) : null,
        }));
        const states = checkStates(checks, clock);
        expect(states).toHaveLength(checks.length);
        expect(states.filter((s) => s.kind === 'open').length).toBeLessThanOrEqual(1);
        states.forEach((s, i) => {
          const c = checks[i]!;
          if (c.confirmedAt) expect(s.kind).toBe('confirmed');
          else if (!c.issuedAt) expect(s.kind).toBe('not_reached');
          else expect(['open', 'expired']).toContain(s.kind);
          if (s.kind === 'open') expect(c.expiresAt!.getTime()).toBeGreaterThan(clock.getTime());
        });
      }),
    );
  });
});

describe('deviceOf', () => {
  it('names the browsers county lawyers use', () => {
    expect(
      deviceOf(
        'Mozilla/5.0 (Linux; Android 12; V2118A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 XWEB/4317 MMWEBSDK/20220903 Mobile Safari/537.36 MMWEBID/1234 MicroMessenger/8.0.28.2240(0x28001C57) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
      ),
    ).toEqual({ label: 'WeChat 8 · Android 12', platform: 'mobile' });
    expect(deviceOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36')).toEqual({ label: 'Chrome 124 · Windows 10', platform: 'desktop' });
    expect(deviceOf('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1')).toEqual({ label: 'Safari 17.4 · iOS 17.4', platform: 'mobile' });
  });

  it('says nothing it cannot read, and never throws', () => {
    expect(deviceOf(null)).toEqual({ label: '', platform: 'unknown' });
    expect(deviceOf('   ')).toEqual({ label: '', platform: 'unknown' });
    expect(deviceOf('node')).toEqual({ label: '', platform: 'unknown' });
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (ua) => {
        const device = deviceOf(ua);
        expect(typeof device.label).toBe('string');
      }),
    );
  });
});
