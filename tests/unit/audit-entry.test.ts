/** An audit entry as readable lines (web/src/routes/admin/audit-entry.ts, shown by AuditLogPanel). */
import { describe, expect, it } from 'vitest';
import { fieldChanges } from '../../web/src/routes/admin/audit-entry.ts';

describe('fieldChanges', () => {
  it('a change lists only the fields that changed, and a name instead of its id', () => {
    const lines = fieldChanges({
      before: { parentId: 'p1', parentName: '绵阳市律师协会', regionCode: '510725', county: true },
      after: { parentId: 'p2', parentName: '德阳市律师协会', regionCode: '510623', county: true },
    });
    expect(lines).toEqual([
      { field: 'parentName', before: '绵阳市律师协会', after: '德阳市律师协会' },
      { field: 'regionCode', before: '510725', after: '510623' },
    ]);
  });

  it('a creation lists everything it set; an id without its name stays', () => {
    expect(fieldChanges({ before: null, after: { login: 'x', organizationId: 'o1', county: false } })).toEqual([
      { field: 'login', before: undefined, after: 'x' },
      { field: 'organizationId', before: undefined, after: 'o1' },
      { field: 'county', before: undefined, after: false },
    ]);
  });

  it('a training class edit: its lists by name, the ids left out', () => {
    const lines = fieldChanges({
      before: { name: '示范班', courseIds: ['c1'], courseTitles: ['律师职业道德'], organizationIds: ['o1'], organizationNames: ['三台县律师事务所'], licenseNos: [] },
      after: { name: '示范班', courseIds: ['c1', 'c2'], courseTitles: ['律师职业道德', '刑事辩护实务'], organizationIds: ['o1'], organizationNames: ['三台县律师事务所'], licenseNos: ['15107202310000101'] },
    });
    expect(lines).toEqual([
      { field: 'courseTitles', before: ['律师职业道德'], after: ['律师职业道德', '刑事辩护实务'] },
      { field: 'licenseNos', before: [], after: ['15107202310000101'] },
    ]);
  });

  it('a removal lists what was there', () => {
    expect(fieldChanges({ before: { role: 'admin', organizationId: 'o1', organizationName: '四川' }, after: null })).toEqual([
      { field: 'role', before: 'admin', after: undefined },
      { field: 'organizationName', before: '四川', after: undefined },
    ]);
  });
});
