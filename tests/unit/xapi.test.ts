/**
 * The xAPI export (server/credits/xapi.ts) against the xAPI Video Profile v1.0.3: each statement
 * passes xapi-validation (Learning Locker's conformance-tested validator) and carries what the
 * profile's templates mark `included`; each registration follows the general pattern
 * (initialized, then played/seeked/completed, then terminated), with played-segments cumulative
 * and refused heartbeats kept as evidence but never `played`. Properties over random sessions.
 */
import fc from 'fast-check';
import xapiValidation from 'xapi-validation';
import { describe, expect, it } from 'vitest';
import { playedSegments, registrationStatements, SEEK_SECONDS, type HeartbeatEvidence, type RegistrationEvidence, type Statement } from '../../server/credits/xapi.ts';

/** CommonJS with `exports.default`: the function is the default export or its `default`, by loader */
const validateStatement = ((xapiValidation as unknown as { default?: unknown }).default ?? xapiValidation) as (statement: unknown) => { path?: (string | number)[] }[];

const URL_BASE = 'https://lectern.example';
const EXT = 'https://w3id.org/xapi/video/extensions';
const VERBS = {
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  played: 'https://w3id.org/xapi/video/verbs/played',
  seeked: 'https://w3id.org/xapi/video/verbs/seeked',
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  terminated: 'http://adlnet.gov/expapi/verbs/terminated',
};

/** The locations each template of the profile (video/v1.0.3/video.jsonld) marks `presence: included`, beside id and timestamp. */
const INCLUDED: Record<string, string[]> = {
  [VERBS.initialized]: [`context.extensions.${EXT}/length`],
  [VERBS.played]: [`result.extensions.${EXT}/time`],
  [VERBS.seeked]: [`result.extensions.${EXT}/time-to`, `result.extensions.${EXT}/time-from`],
  [VERBS.completed]: ['result.duration', 'result.completion', `context.extensions.${EXT}/length`, `result.extensions.${EXT}/time`, `result.extensions.${EXT}/progress`, `result.extensions.${EXT}/played-segments`],
  [VERBS.terminated]: [`context.extensions.${EXT}/length`, `result.extensions.${EXT}/time`, `result.extensions.${EXT}/progress`, `result.extensions.${EXT}/played-segments`],
};
/** the profile's session-id pattern (a version-4 UUID) */
const SESSION_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[8-9a-bA-B][0-9a-fA-F]{3}-[0-9a-fA-F]{12}/;

function at(statement: Statement, location: string): unknown {
  const [part, field, ...rest] = location.split('.');
  const container = (statement as unknown as Record<string, Record<string, unknown>>)[part!];
  if (!container) return undefined;
  return field === 'extensions' ? (container.extensions as Record<string, unknown> | undefined)?.[rest.join('.')] : container[field!];
}

/** Every profile rule and xapi-validation, for one statement: the problems found (none expected). */
function problems(statement: Statement): string[] {
  const found = validateStatement(statement).map((w) => `${w.path?.join('.')}: ${w.constructor.name}`);
  for (const location of ['id', 'timestamp']) if (!(statement as unknown as Record<string, unknown>)[location]) found.push(`${statement.verb.display['en-US']} lacks ${location}`);
  for (const location of INCLUDED[statement.verb.id] ?? [`unknown verb ${statement.verb.id}`]) if (at(statement, location) === undefined) found.push(`${statement.verb.display['en-US']} lacks ${location}`);
  const sessionId = statement.context.extensions[`${EXT}/session-id`];
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) found.push(`session-id ${String(sessionId)}`);
  if (statement.verb.id !== VERBS.played && statement.verb.id !== VERBS.seeked && statement.context.extensions[`${EXT}/completion-threshold`] === undefined) found.push(`${statement.verb.display['en-US']} lacks completion-threshold`);
  return found;
}

const beat = (heartbeatId: number, seconds: number, accepted: [number, number][], coverageRatio: number, rejected: HeartbeatEvidence['rejected'] = []): HeartbeatEvidence => ({
  heartbeatId,
  seq: heartbeatId - 1,
  receivedAt: new Date(Date.UTC(2026, 4, 1, 2, 0, seconds)),
  accepted,
  rejected,
  coverageRatio,
  ip: '10.0.0.1',
  userAgent: 'UA',
});

const registration: RegistrationEvidence = {
  userId: 'u1',
  userName: '李明',
  licenseNo: '15107202110000001',
  lectureId: 'l1',
  lectureTitle: '第一讲',
  courseId: 'c1',
  durationSeconds: 80,
  sessionId: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  openedAt: new Date(Date.UTC(2026, 4, 1, 2, 0, 0)),
  endedAt: new Date(Date.UTC(2026, 4, 1, 2, 1, 40)),
  userAgent: 'Mozilla/5.0',
  completionThreshold: 0.95,
  heartbeats: [
    beat(1, 10, [[0, 10]], 0.125),
    beat(2, 20, [[10, 20]], 0.25),
    beat(3, 25, [], 0.25, [{ from: 20, to: 40, reason: 'faster_than_real_time' }]),
    beat(4, 40, [[20, 30], [50, 80]], 0.875),
    beat(5, 100, [[30, 50]], 1),
  ],
  completion: { completedAt: new Date(Date.UTC(2026, 4, 1, 2, 1, 40)), creditMinutes: 1 },
};

describe('xAPI Video Profile export', () => {
  it('writes played-segments as the profile says', () => {
    expect(playedSegments([[0, 14.8], [30, 45]])).toBe('0[.]14.8[,]30[.]45');
    expect(playedSegments([[0, 1 / 3]])).toBe('0[.]0.333');
    expect(playedSegments([])).toBe('');
  });

  it('follows the general pattern: initialized, played and seeked, completed, terminated', () => {
    const statements = registrationStatements(URL_BASE, registration);
    expect(statements.map((s) => s.verb.display['en-US'])).toEqual(['initialized', 'played', 'played', 'seeked', 'played', 'seeked', 'played', 'completed', 'terminated']);
    for (const s of statements) expect(problems(s), s.verb.display['en-US']).toEqual([]);
    // the validator does refuse a broken statement (so the check above can fail)
    expect(validateStatement({ ...statements[1]!, actor: { objectType: 'Agent' } }).length).toBeGreaterThan(0);
    expect(problems({ ...statements[1]!, result: {} })).toContain('played lacks result.extensions.https://w3id.org/xapi/video/extensions/time');
    // one registration, the session
    expect(new Set(statements.map((s) => s.context.registration))).toEqual(new Set([registration.sessionId]));
    const ext = (s: Statement, name: string) => s.result?.extensions?.[`${EXT}/${name}`];
    const played = statements.filter((s) => s.verb.id === VERBS.played);
    // cumulative, in the order played
    expect(played.map((s) => ext(s, 'played-segments'))).toEqual(['0[.]10', '0[.]10[,]10[.]20', '0[.]10[,]10[.]20[,]20[.]30[,]50[.]80', '0[.]10[,]10[.]20[,]20[.]30[,]50[.]80[,]30[.]50']);
    expect(played.map((s) => ext(s, 'time'))).toEqual([0, 10, 20, 30]);
    const seeks = statements.filter((s) => s.verb.id === VERBS.seeked).map((s) => [ext(s, 'time-from'), ext(s, 'time-to')]);
    expect(seeks).toEqual([[30, 50], [80, 30]]);
    // the refused heartbeat is not played; it is on terminated
    const terminated = statements.at(-1)!;
    expect(terminated.result!.extensions![`${URL_BASE}/xapi/extensions/refused`]).toEqual([{ heartbeatId: 3, seq: 2, receivedAt: '2026-05-01T02:00:25.000Z', rejected: [{ from: 20, to: 40, reason: 'faster_than_real_time' }] }]);
    const completed = statements.find((s) => s.verb.id === VERBS.completed)!;
    // time spent in the session until completion, not the credit
    expect(completed.result).toMatchObject({ completion: true, duration: 'PT100S' });
    expect(completed.context.extensions[`${EXT}/completion-threshold`]).toBe(0.95);
    expect(ext(completed, 'progress')).toBe(1);
  });

  it('gives the same ids when exported again, and different ids to different statements', () => {
    const once = registrationStatements(URL_BASE, registration).map((s) => s.id);
    expect(registrationStatements(URL_BASE, registration).map((s) => s.id)).toEqual(once);
    expect(new Set(once).size).toBe(once.length);
  });

  it('leaves terminated out while the session is still open', () => {
    const open = registrationStatements(URL_BASE, { ...registration, endedAt: null, completion: null });
    expect(open.map((s) => s.verb.display['en-US'])).not.toContain('terminated');
    expect(open[0]!.verb.id).toBe(VERBS.initialized);
  });

  it('any session: valid statements in the pattern, timestamps in order, segments only growing', () => {
    const interval = fc.tuple(fc.integer({ min: 0, max: 590 }), fc.integer({ min: 1, max: 60 })).map(([a, d]) => [a, Math.min(600, a + d)] as [number, number]);
    const heartbeat = fc.record({ accepted: fc.array(interval, { maxLength: 3 }), refused: fc.boolean(), gap: fc.integer({ min: 1, max: 120 }) });
    fc.assert(
      fc.property(fc.array(heartbeat, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.boolean(), (beats, ended, completes) => {
        let t = 0;
        let covered = 0;
        const heartbeats = beats.map((b, i) => {
          t += b.gap;
          covered = Math.min(1, covered + b.accepted.reduce((sum, [x, y]) => sum + (y - x), 0) / 600);
          return beat(i + 1, t, b.accepted, covered, b.refused || b.accepted.length === 0 ? [{ from: 0, to: 1, reason: 'presence_unconfirmed' }] : []);
        });
        const reg: RegistrationEvidence = {
          ...registration,
          durationSeconds: 600,
          heartbeats,
          endedAt: ended ? new Date(heartbeats.at(-1)!.receivedAt.getTime() + 5_000) : null,
          completion: completes ? { completedAt: heartbeats.at(-1)!.receivedAt, creditMinutes: 10 } : null,
        };
        const statements = registrationStatements(URL_BASE, reg);
        for (const s of statements) expect(problems(s)).toEqual([]);
        const verbs = statements.map((s) => s.verb.id);
        expect(verbs[0]).toBe(VERBS.initialized);
        expect(verbs.filter((v) => v === VERBS.initialized)).toHaveLength(1);
        expect(verbs.includes(VERBS.terminated)).toBe(ended);
        if (ended) expect(verbs.at(-1)).toBe(VERBS.terminated);
        expect(verbs.filter((v) => v === VERBS.completed)).toHaveLength(completes ? 1 : 0);
        expect(verbs.filter((v) => v === VERBS.played)).toHaveLength(beats.filter((b) => b.accepted.length > 0).length);
        const times = statements.map((s) => Date.parse(s.timestamp));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        let previous = '';
        for (const s of statements.filter((x) => x.verb.id === VERBS.played)) {
          const segments = String(s.result!.extensions![`${EXT}/played-segments`]);
          expect(segments.startsWith(previous)).toBe(true);
          previous = segments;
        }
        for (const s of statements.filter((x) => x.verb.id === VERBS.seeked)) {
          const from = Number(s.result!.extensions![`${EXT}/time-from`]);
          const to = Number(s.result!.extensions![`${EXT}/time-to`]);
          expect(Math.abs(to - from)).toBeGreaterThan(SEEK_SECONDS);
        }
      }),
      { numRuns: 200 },
    );
  });
});
