import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, type TestClient } from '../helpers/http.ts';

let server: TestServer;
let adminSc: TestClient;
let admin: TestClient;
let lawyer: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  adminSc = createTestClient(server.baseUrl);
  admin = createTestClient(server.baseUrl);
  lawyer = createTestClient(server.baseUrl);
  await adminSc.login('admin-sc', 'lectern-demo');
  await admin.login('admin', 'lectern-demo');
  await lawyer.login('lawyer', 'lectern-demo');
});
afterAll(async () => server?.close());

type Node = { id: string; name: string; kind: string; regionCode: string; county: boolean; children: Node[] };
const flatten = (nodes: Node[]): Node[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);

describe('organizations scoped by role on the subtree', () => {
  it('the national admin sees the whole tree: both provinces, cities and county firms', async () => {
    const tree = (await admin.organizations()) as Node[];
    expect(tree).toHaveLength(1);
    expect(tree[0]).toMatchObject({ kind: 'national', regionCode: '100000' });
    const all = flatten(tree);
    expect(all.filter((o) => o.kind === 'province').map((o) => o.regionCode).sort()).toEqual(['510000', '620000']);
    expect(all.some((o) => o.kind === 'firm' && o.county && o.regionCode.startsWith('62'))).toBe(true);
  });

  it('the Sichuan admin sees Sichuan only', async () => {
    const all = flatten((await adminSc.organizations()) as Node[]);
    expect(all.length).toBeGreaterThan(1);
    expect(all.every((o) => o.regionCode.startsWith('51'))).toBe(true);
  });

  it('a lawyer administers nothing', async () => {
    expect(await lawyer.organizations()).toEqual([]);
  });

  it('GET one organization: 200 inside the subtree, 403 for anything of Gansu', async () => {
    const firm = await adminSc.organization(server.demo!.santaiFirm);
    expect(firm).toMatchObject({ kind: 'firm', county: true, parentId: server.demo!.mianyang });
    for (const gansuOrg of [server.demo!.gansu, server.demo!.tianshui, server.demo!.ganguFirm, server.demo!.national]) {
      const res = await adminSc.raw('GET', `/api/organizations/${gansuOrg}`);
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ error: 'forbidden' });
    }
  });

  it('the Sichuan admin cannot import a roster into Gansu', async () => {
    const res = await adminSc.raw('POST', `/api/organizations/${server.demo!.gansu}/roster`, {
      csv: 'licenseNo,name,firm\n16205202310000009,测试,甘谷县渭水律师事务所\n',
    });
    expect(res.status).toBe(403);
  });

  it('a malformed organization id is a 400, not a 500', async () => {
    const res = await admin.raw('GET', '/api/organizations/not-a-uuid');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid_request' });
  });
});

describe('changing organizations (PATCH /api/organizations/:orgId)', () => {
  type Entry = { action: string; targetId: string | null; organizationId: string; before: unknown; after: unknown; actor: { login: string } | null };
  const entriesFor = async (client: TestClient, orgId: string, targetId: string) =>
    ((await client.auditLog(orgId, { limit: 200 })).items as Entry[]).filter((e) => e.targetId === targetId);

  it('renames inside the subtree, refuses a name used by a sibling (409) and an empty one (400), logs before/after', async () => {
    const firm = await adminSc.createOrganization({ parentId: server.demo!.mianyang, name: '游仙区试用律师事务所', kind: 'firm', regionCode: '510704' });
    const renamed = await adminSc.updateOrganization(firm.id, { name: '游仙区正式律师事务所' });
    expect(renamed).toMatchObject({ id: firm.id, name: '游仙区正式律师事务所', parentId: server.demo!.mianyang, closedAt: null });
    const taken = await adminSc.raw('PATCH', `/api/organizations/${firm.id}`, { name: '三台县明理律师事务所' });
    expect([taken.status, (taken.json as { error: string }).error]).toEqual([409, 'organization_name_taken']);
    expect((await adminSc.raw('PATCH', `/api/organizations/${firm.id}`, { name: ' ' })).json).toMatchObject({ error: 'invalid_name' });
    expect((await adminSc.raw('PATCH', `/api/organizations/${firm.id}`, {})).status).toBe(400);
    expect((await adminSc.raw('PATCH', `/api/organizations/${firm.id}`, { kind: 'city' })).status).toBe(400);
    // the same name again changes nothing and writes nothing
    await adminSc.updateOrganization(firm.id, { name: '游仙区正式律师事务所' });
    const entries = await entriesFor(adminSc, server.demo!.sichuan, firm.id);
    expect(entries.map((e) => e.action)).toEqual(['organization.updated', 'organization.created']);
    expect(entries[0]).toMatchObject({ actor: { login: 'admin-sc' }, organizationId: firm.id, before: { name: '游仙区试用律师事务所' }, after: { name: '游仙区正式律师事务所' } });
  });

  it('moves a firm to another city with its new region code; the code is checked against the new parent', async () => {
    const deyang = await adminSc.createOrganization({ parentId: server.demo!.sichuan, name: '德阳市律师协会', kind: 'city', regionCode: '510600' });
    const firm = await adminSc.createOrganization({ parentId: server.demo!.mianyang, name: '将迁往德阳的律师事务所', kind: 'firm', regionCode: '510725', county: true });
    const wrongPrefix = await adminSc.raw('PATCH', `/api/organizations/${firm.id}`, { parentId: deyang.id });
    expect([wrongPrefix.status, (wrongPrefix.json as { error: string }).error]).toEqual([400, 'region_code_prefix']);
    const moved = await adminSc.updateOrganization(firm.id, { parentId: deyang.id, regionCode: '510623' });
    expect(moved).toMatchObject({ parentId: deyang.id, regionCode: '510623', county: true });
    const [entry] = await entriesFor(adminSc, server.demo!.sichuan, firm.id);
    expect(entry).toMatchObject({
      action: 'organization.updated',
      before: { parentId: server.demo!.mianyang, parentName: '绵阳市律师协会', regionCode: '510725' },
      after: { parentId: deyang.id, parentName: '德阳市律师协会', regionCode: '510623' },
    });
    // a city moves only under a province; a firm cannot take a city under it
    expect((await adminSc.raw('PATCH', `/api/organizations/${deyang.id}`, { parentId: server.demo!.mianyang })).json).toMatchObject({ error: 'kind_not_allowed' });
  });

  it('refuses cycles, moving the root, and a move out of the caller’s subtree', async () => {
    const cycle = await admin.raw('PATCH', `/api/organizations/${server.demo!.sichuan}`, { parentId: server.demo!.mianyang });
    expect([cycle.status, (cycle.json as { error: string }).error]).toEqual([400, 'organization_cycle']);
    const self = await admin.raw('PATCH', `/api/organizations/${server.demo!.mianyang}`, { parentId: server.demo!.mianyang });
    expect((self.json as { error: string }).error).toBe('organization_cycle');
    const rootMove = await admin.raw('PATCH', `/api/organizations/${server.demo!.national}`, { parentId: server.demo!.sichuan });
    expect([rootMove.status, (rootMove.json as { error: string }).error]).toEqual([400, 'root_organization']);
    // the Sichuan admin may not move Mianyang to Gansu (403), nor move Sichuan itself (the decision of the association above)
    expect((await adminSc.raw('PATCH', `/api/organizations/${server.demo!.mianyang}`, { parentId: server.demo!.gansu, regionCode: '620700' })).status).toBe(403);
    expect((await adminSc.raw('PATCH', `/api/organizations/${server.demo!.sichuan}`, { parentId: server.demo!.gansu })).json).toMatchObject({ error: 'parent_admin_required' });
    // naming the parent it already has is no move
    expect((await adminSc.raw('PATCH', `/api/organizations/${server.demo!.sichuan}`, { parentId: server.demo!.national })).status).toBe(200);
    expect((await admin.organization(server.demo!.mianyang)).parentId).toBe(server.demo!.sichuan);
  });

  it('a new region code must still fit every direct sub-organization', async () => {
    const clash = await adminSc.raw('PATCH', `/api/organizations/${server.demo!.mianyang}`, { regionCode: '511300' });
    expect([clash.status, (clash.json as { error: string; message: string }).error]).toEqual([400, 'region_code_children']);
    expect((clash.json as { message: string }).message).toContain('三台县明理律师事务所');
    expect((await adminSc.raw('PATCH', `/api/organizations/${server.demo!.santaiFirm}`, { county: false })).status).toBe(200);
    expect((await adminSc.updateOrganization(server.demo!.santaiFirm, { county: true })).county).toBe(true);
  });

  it('closes and reopens, 409 for reopening under a closed parent; the tree keeps closed organizations, marked', async () => {
    const city = await admin.createOrganization({ parentId: server.demo!.gansu, name: '陇南市律师协会', kind: 'city', regionCode: '621200' });
    const firm = await admin.createOrganization({ parentId: city.id, name: '武都区律师事务所', kind: 'firm', regionCode: '621202' });
    await admin.updateOrganization(firm.id, { closed: true });
    await admin.updateOrganization(city.id, { closed: true });
    const reopen = await admin.raw('PATCH', `/api/organizations/${firm.id}`, { closed: false });
    expect([reopen.status, (reopen.json as { error: string }).error]).toEqual([409, 'parent_closed']);
    const under = await admin.raw('PATCH', `/api/organizations/${server.demo!.ganguFirm}`, { parentId: city.id, regionCode: '621202' });
    expect([under.status, (under.json as { error: string }).error]).toEqual([409, 'organization_closed']);
    const tree = flatten((await admin.organizations()) as Node[]) as (Node & { closedAt: string | null })[];
    expect(tree.find((n) => n.id === city.id)!.closedAt).toEqual(expect.any(String));
    expect(tree.find((n) => n.id === server.demo!.gansu)!.closedAt).toBeNull();
    // closing twice changes nothing; the log has one entry per real change
    await admin.updateOrganization(city.id, { closed: true });
    const entries = await entriesFor(admin, server.demo!.gansu, city.id);
    expect(entries.map((e) => e.action)).toEqual(['organization.closed', 'organization.created']);
    expect(entries[0]).toMatchObject({ before: { closedAt: null }, after: { closedAt: expect.any(String) } });
    await admin.updateOrganization(city.id, { closed: false });
    expect((await admin.updateOrganization(firm.id, { closed: false })).closedAt).toBeNull();
    expect((await entriesFor(admin, server.demo!.gansu, firm.id))[0]).toMatchObject({ action: 'organization.reopened', after: { closedAt: null } });
  });

  it('a lawyer administers nothing: 403 on every change', async () => {
    expect((await lawyer.raw('PATCH', `/api/organizations/${server.demo!.santaiFirm}`, { name: 'x' })).status).toBe(403);
    expect((await lawyer.raw('POST', '/api/organizations', { parentId: server.demo!.santaiFirm, name: 'x', kind: 'firm', regionCode: '510722' })).status).toBe(403);
    expect((await lawyer.raw('GET', '/api/people?q=li')).status).toBe(403);
  });
});

describe('changes at the same moment', () => {
  it('two creations of one name under one parent: one 201, one 409; two staff accounts with one login: the same', async () => {
    const body = { parentId: server.demo!.mianyang, name: '同时新建的律师事务所', kind: 'firm', regionCode: '510726' };
    const orgs = await Promise.all([admin.raw('POST', '/api/organizations', body), adminSc.raw('POST', '/api/organizations', body)]);
    expect(orgs.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(orgs.map((r) => (r.json as { error?: string }).error).filter(Boolean)).toEqual(['organization_name_taken']);

    const staff = { login: 'same-moment', name: '同时' };
    const accounts = await Promise.all([
      admin.raw('POST', `/api/organizations/${server.demo!.mianyang}/staff`, staff),
      adminSc.raw('POST', `/api/organizations/${server.demo!.santaiFirm}/staff`, staff),
    ]);
    expect(accounts.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(accounts.map((r) => (r.json as { error?: string }).error).filter(Boolean)).toEqual(['login_taken']);
  });

  it('closing a city while a firm is created under it: either the firm exists and the close is refused, or the city is closed and the firm refused', async () => {
    const city = await admin.createOrganization({ parentId: server.demo!.sichuan, name: '遂宁市律师协会', kind: 'city', regionCode: '510900' });
    const [close, create] = await Promise.all([
      admin.raw('PATCH', `/api/organizations/${city.id}`, { closed: true }),
      adminSc.raw('POST', '/api/organizations', { parentId: city.id, name: '船山区律师事务所', kind: 'firm', regionCode: '510903' }),
    ]);
    const outcome = [close.status, create.status];
    expect([
      [409, 201],
      [200, 409],
    ]).toContainEqual(outcome);
    const tree = flatten((await admin.organizations()) as Node[]) as (Node & { closedAt: string | null })[];
    const closedCity = tree.find((n) => n.id === city.id)!;
    // never a closed city with an open firm under it
    expect(closedCity.closedAt !== null && closedCity.children.some((c) => (c as Node & { closedAt: string | null }).closedAt === null)).toBe(false);
  });
});
