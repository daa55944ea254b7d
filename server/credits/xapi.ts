/**
 * Pure: heartbeat evidence as xAPI statements in the xAPI Video Profile
 * (https://w3id.org/xapi/video), so a learning record store can take it. One `played` statement per
 * heartbeat that had accepted intervals (played-segments = the accepted intervals, progress = the
 * lecture coverage after it), one `completed` statement per completed lecture.
 */
import { createHash } from 'node:crypto';

const VIDEO = 'https://w3id.org/xapi/video';
const EXT = `${VIDEO}/extensions`;

/** Who learned which lecture: the part evidence rows and completion rows share. */
export interface LearnerLecture {
  userId: string;
  userName: string;
  licenseNo: string | null;
  lectureId: string;
  lectureTitle: string;
  courseId: string;
  durationSeconds: number;
}

export interface EvidenceRow extends LearnerLecture {
  heartbeatId: number;
  sessionId: string;
  seq: number;
  receivedAt: Date;
  accepted: [number, number][];
  rejected: { from: number; to: number; reason: string }[];
  coverageRatio: number | null;
  ip: string | null;
  userAgent: string | null;
}

export interface CompletionRow extends LearnerLecture {
  completedAt: Date;
  creditMinutes: number;
  coverageRatio: number;
}

/** A stable statement id from its content key, so a repeated export gives the same ids (LRS dedupe). */
function statementId(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** "0[.]14.8[,]30[.]45" */
export function playedSegments(intervals: [number, number][]): string {
  return intervals.map(([a, b]) => `${a}[.]${b}`).join('[,]');
}

function actor(publicUrl: string, row: { userId: string; userName: string; licenseNo: string | null }) {
  return { objectType: 'Agent', name: row.userName, account: { homePage: publicUrl, name: row.licenseNo ?? row.userId } };
}

function video(publicUrl: string, row: { lectureId: string; lectureTitle: string }) {
  return { objectType: 'Activity', id: `${publicUrl}/lectures/${row.lectureId}`, definition: { type: `${VIDEO}/activity-type/video`, name: { 'zh-CN': row.lectureTitle } } };
}

function context(publicUrl: string, row: { courseId: string; durationSeconds: number }, sessionId?: string) {
  return {
    ...(sessionId ? { registration: sessionId } : {}),
    contextActivities: { category: [{ id: VIDEO }], parent: [{ id: `${publicUrl}/courses/${row.courseId}` }] },
    extensions: { [`${EXT}/length`]: row.durationSeconds, ...(sessionId ? { [`${EXT}/session-id`]: sessionId } : {}) },
  };
}

export function playedStatement(publicUrl: string, row: EvidenceRow) {
  const extensions: Record<string, unknown> = { [`${EXT}/played-segments`]: playedSegments(row.accepted) };
  if (row.coverageRatio != null) extensions[`${EXT}/progress`] = row.coverageRatio;
  if (row.rejected.length) extensions[`${publicUrl}/xapi/extensions/rejected`] = row.rejected;
  extensions[`${publicUrl}/xapi/extensions/evidence`] = { heartbeatId: row.heartbeatId, seq: row.seq, ip: row.ip, userAgent: row.userAgent };
  return {
    id: statementId(`played:${row.heartbeatId}`),
    actor: actor(publicUrl, row),
    verb: { id: `${VIDEO}/verbs/played`, display: { 'en-US': 'played' } },
    object: video(publicUrl, row),
    result: { extensions },
    context: context(publicUrl, row, row.sessionId),
    timestamp: row.receivedAt.toISOString(),
  };
}

export function completedStatement(publicUrl: string, row: CompletionRow) {
  return {
    id: statementId(`completed:${row.userId}:${row.lectureId}`),
    actor: actor(publicUrl, row),
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
    object: video(publicUrl, row),
    result: { completion: true, duration: `PT${row.creditMinutes * 60}S`, extensions: { [`${EXT}/progress`]: row.coverageRatio } },
    context: context(publicUrl, row),
    timestamp: row.completedAt.toISOString(),
  };
}
