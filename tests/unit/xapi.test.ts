import { describe, expect, it } from 'vitest';
import { completedStatement, playedSegments, playedStatement, type EvidenceRow } from '../../server/credits/xapi.ts';

const row: EvidenceRow = {
  heartbeatId: 42,
  sessionId: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  seq: 3,
  receivedAt: new Date('2026-05-01T02:03:04Z'),
  userId: 'u1',
  userName: '李明',
  licenseNo: '15107202110000001',
  lectureId: 'l1',
  lectureTitle: '第一讲',
  courseId: 'c1',
  durationSeconds: 600,
  accepted: [
    [0, 14.8],
    [30, 45],
  ],
  rejected: [{ from: 45, to: 60, reason: 'faster_than_real_time' }],
  coverageRatio: 0.05,
  ip: '10.0.0.1',
  userAgent: 'UA',
};

describe('xAPI Video Profile mapping', () => {
  it('writes played-segments as the profile says', () => {
    expect(playedSegments(row.accepted)).toBe('0[.]14.8[,]30[.]45');
    expect(playedSegments([])).toBe('');
  });

  it('maps a heartbeat to a played statement with a stable id', () => {
    const st = playedStatement('https://lectern.example', row);
    expect(st).toMatchObject({
      actor: { objectType: 'Agent', name: '李明', account: { homePage: 'https://lectern.example', name: '15107202110000001' } },
      verb: { id: 'https://w3id.org/xapi/video/verbs/played' },
      object: { id: 'https://lectern.example/lectures/l1', definition: { type: 'https://w3id.org/xapi/video/activity-type/video' } },
      result: { extensions: { 'https://w3id.org/xapi/video/extensions/played-segments': '0[.]14.8[,]30[.]45', 'https://w3id.org/xapi/video/extensions/progress': 0.05 } },
      context: { registration: row.sessionId, extensions: { 'https://w3id.org/xapi/video/extensions/length': 600 } },
      timestamp: '2026-05-01T02:03:04.000Z',
    });
    expect(st.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(playedStatement('https://lectern.example', row).id).toBe(st.id);
    expect(playedStatement('https://lectern.example', { ...row, heartbeatId: 43 }).id).not.toBe(st.id);
  });

  it('maps a completion to a completed statement', () => {
    const st = completedStatement('https://lectern.example', { ...row, completedAt: new Date('2026-05-02T00:00:00Z'), creditMinutes: 10, coverageRatio: 0.96 });
    expect(st).toMatchObject({ verb: { id: 'http://adlnet.gov/expapi/verbs/completed' }, result: { completion: true, duration: 'PT600S' } });
  });
});
