/**
 * Pure: a lawyer's watching as xAPI statements that follow the xAPI Video Profile v1.0.3
 * (https://w3id.org/xapi/video; docs/credit.md, "xAPI export"). One registration per playback
 * session, in the profile's general pattern:
 *
 *   initialized → (played | seeked)* → completed? → terminated
 *
 * - `initialized` when the session opened: length, session-id, completion-threshold (the course's
 *   completion ratio; the profile wants it whenever it is not 1) and the user agent;
 * - `played` for each heartbeat that had accepted media time: time (where it started), progress
 *   (lecture coverage after it) and played-segments **cumulative** over the registration, in the
 *   order played. A heartbeat with nothing accepted is evidence, not `played`: its refusals are
 *   listed on the registration's last statement (`terminated` once ended; Lectern extension `refused`);
 * - `seeked` where the accepted media jumps by more than SEEK_SECONDS: time-from → time-to;
 * - `completed` in the registration whose heartbeat completed the lecture: completion, duration
 *   (time spent in that session until then, not credit), time, progress, played-segments;
 * - `terminated` once the session has ended (closed, replaced or expired): time, progress,
 *   played-segments. A session still open ends its pattern when it closes (the next export).
 *
 * Statement ids are derived from what they state, so exporting twice gives the same ids and an
 * LRS keeps one copy.
 */
import { createHash } from 'node:crypto';

const VIDEO = 'https://w3id.org/xapi/video';
const EXT = `${VIDEO}/extensions`;
const VERB = {
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  played: `${VIDEO}/verbs/played`,
  seeked: `${VIDEO}/verbs/seeked`,
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  terminated: 'http://adlnet.gov/expapi/verbs/terminated',
} as const;

/** A jump in accepted media time larger than this is a seek (smaller ones are rounding between heartbeats). */
export const SEEK_SECONDS = 1;

/** Who learned which lecture. */
export interface LearnerLecture {
  userId: string;
  userName: string;
  licenseNo: string | null;
  lectureId: string;
  lectureTitle: string;
  courseId: string;
  durationSeconds: number;
}

export interface HeartbeatEvidence {
  heartbeatId: number;
  seq: number;
  receivedAt: Date;
  accepted: [number, number][];
  rejected: { from: number; to: number; reason: string }[];
  /** lecture coverage after this heartbeat, as answered */
  coverageRatio: number | null;
  ip: string | null;
  userAgent: string | null;
}

/** One playback session: one xAPI registration. */
export interface RegistrationEvidence extends LearnerLecture {
  sessionId: string;
  openedAt: Date;
  /** when it ended (closed, replaced, expired); null while it is open */
  endedAt: Date | null;
  userAgent: string | null;
  /** the course's completion ratio (0–1) */
  completionThreshold: number;
  /** in seq order */
  heartbeats: HeartbeatEvidence[];
  /** set when the lecture was completed by a heartbeat of this session */
  completion: { completedAt: Date; creditMinutes: number } | null;
}

export type VideoVerb = keyof typeof VERB;

export interface Statement {
  id: string;
  actor: { objectType: 'Agent'; name: string; account: { homePage: string; name: string } };
  verb: { id: string; display: { 'en-US': string } };
  object: { objectType: 'Activity'; id: string; definition: { type: string; name: Record<string, string> } };
  result?: { completion?: boolean; duration?: string; extensions?: Record<string, unknown> };
  context: { registration: string; contextActivities: Record<string, { id: string }[]>; extensions: Record<string, unknown> };
  timestamp: string;
}

/** A stable UUID (version 5 layout) from the statement's content key. */
function statementId(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Seconds with at most 3 decimals, as the profile's time values are written. */
const s3 = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** "0[.]14.8[,]30[.]45" */
export function playedSegments(intervals: [number, number][]): string {
  return intervals.map(([a, b]) => `${s3(a)}[.]${s3(b)}`).join('[,]');
}

/** ISO 8601 duration of a span in seconds ("PT754.25S"). */
export function isoDuration(seconds: number): string {
  return `PT${Math.max(0, Math.round(seconds * 100) / 100)}S`;
}

export function registrationStatements(publicUrl: string, reg: RegistrationEvidence): Statement[] {
  const base = (verb: VideoVerb, key: string, at: Date, result: Statement['result'] | undefined, extensions: Record<string, unknown>): Statement => ({
    id: statementId(`${verb}:${key}`),
    actor: { objectType: 'Agent', name: reg.userName, account: { homePage: publicUrl, name: reg.licenseNo ?? reg.userId } },
    verb: { id: VERB[verb], display: { 'en-US': verb } },
    object: { objectType: 'Activity', id: `${publicUrl}/lectures/${reg.lectureId}`, definition: { type: `${VIDEO}/activity-type/video`, name: { 'zh-CN': reg.lectureTitle } } },
    ...(result ? { result } : {}),
    context: {
      registration: reg.sessionId,
      contextActivities: { category: [{ id: VIDEO }], parent: [{ id: `${publicUrl}/courses/${reg.courseId}` }] },
      extensions: { [`${EXT}/length`]: s3(reg.durationSeconds), [`${EXT}/session-id`]: reg.sessionId, ...extensions },
    },
    timestamp: at.toISOString(),
  });
  const threshold = { [`${EXT}/completion-threshold`]: s3(reg.completionThreshold) };

  const statements: Statement[] = [base('initialized', reg.sessionId, reg.openedAt, undefined, { ...threshold, ...(reg.userAgent ? { [`${EXT}/user-agent`]: reg.userAgent } : {}) })];
  const played: [number, number][] = [];
  const refused: { heartbeatId: number; seq: number; receivedAt: string; rejected: HeartbeatEvidence['rejected'] }[] = [];
  let position = 0;
  let progress = 0;
  let completionWritten = false;

  const writeCompletion = () => {
    const done = reg.completion!;
    completionWritten = true;
    statements.push(
      base(
        'completed',
        `${reg.userId}:${reg.lectureId}`,
        done.completedAt,
        {
          completion: true,
          duration: isoDuration((done.completedAt.getTime() - reg.openedAt.getTime()) / 1000),
          extensions: { [`${EXT}/time`]: s3(position), [`${EXT}/progress`]: progress, [`${EXT}/played-segments`]: playedSegments(played), [`${publicUrl}/xapi/extensions/credit-minutes`]: done.creditMinutes },
        },
        threshold,
      ),
    );
  };

  for (const hb of reg.heartbeats) {
    if (reg.completion && !completionWritten && hb.receivedAt > reg.completion.completedAt) writeCompletion();
    if (hb.coverageRatio != null) progress = hb.coverageRatio;
    if (hb.accepted.length === 0) {
      if (hb.rejected.length) refused.push({ heartbeatId: hb.heartbeatId, seq: hb.seq, receivedAt: hb.receivedAt.toISOString(), rejected: hb.rejected });
      continue;
    }
    hb.accepted.forEach(([from], i) => {
      if (played.length > 0 && Math.abs(from - position) > SEEK_SECONDS) {
        statements.push(base('seeked', `${hb.heartbeatId}:${i}`, hb.receivedAt, { extensions: { [`${EXT}/time-from`]: s3(position), [`${EXT}/time-to`]: s3(from) } }, {}));
      }
      position = hb.accepted[i]![1];
      played.push(hb.accepted[i]!);
    });
    const extensions: Record<string, unknown> = {
      [`${EXT}/time`]: s3(hb.accepted[0]![0]),
      [`${EXT}/progress`]: progress,
      [`${EXT}/played-segments`]: playedSegments(played),
      [`${publicUrl}/xapi/extensions/evidence`]: { heartbeatId: hb.heartbeatId, seq: hb.seq, ip: hb.ip, userAgent: hb.userAgent },
    };
    if (hb.rejected.length) extensions[`${publicUrl}/xapi/extensions/rejected`] = hb.rejected;
    statements.push(base('played', String(hb.heartbeatId), hb.receivedAt, { extensions }, {}));
  }
  if (reg.completion && !completionWritten) writeCompletion();

  if (reg.endedAt) {
    const extensions: Record<string, unknown> = { [`${EXT}/time`]: s3(position), [`${EXT}/progress`]: progress, [`${EXT}/played-segments`]: playedSegments(played) };
    const last = reg.heartbeats.at(-1)?.receivedAt;
    const at = last && last > reg.endedAt ? last : reg.endedAt;
    statements.push(base('terminated', reg.sessionId, at, { extensions }, threshold));
  }
  // Heartbeats with nothing accepted are evidence, not `played`: their refusals travel on the
  // registration's last statement (terminated once the session has ended).
  if (refused.length) {
    const last = statements.at(-1)!;
    last.result = { ...last.result, extensions: { ...last.result?.extensions, [`${publicUrl}/xapi/extensions/refused`]: refused } };
  }
  return statements;
}
