import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, settle, type TestClient } from '../helpers/http.ts';
import type { OrganizationNode } from '../../web/src/lib/api/types.ts';

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

const flatten = (nodes: OrganizationNode[]): OrganizationNode[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);

describe('organizations scoped by role on the subtree', () => {
  it('the national admin sees the whole tree: both provinces, cities and county firms', async () => {
    const tree = await admin.organizations();
    expect(tree).toHaveLength(1);
    expect(tree[0]).toMatchObject({ kind: 'national', regionCode: '100000' });
    const all = flatten(tree);
    expect(all.filter((o) => o.kind === 'province').map((o) => o.regionCode).sort()).toEqual(['510000', '620000']);
    expect(all.some((o) => o.kind === 'firm' && o.county && o.regionCode.startsWith('62'))).toBe(true);
  });

  it('the Sichuan admin sees Sichuan only', async () => {
    const all = flatten(await adminSc.organizations());
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
      expect(await errorOf(adminSc.organization(gansuOrg))).toMatchObject({ status: 403, code: 'forbidden' });
    }
  });

  it('the Sichuan admin cannot import a roster into Gansu', async () => {
    const refused = await errorOf(adminSc.importRoster(server.demo!.gansu, { csv: 'licenseNo,name,firm\n16205202310000009,测试,甘谷县渭水律师事务所\n' }));
    expect(refused.status).toBe(403);
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
    expect(await errorOf(adminSc.updateOrganization(firm.id, { name: '三台县明理律师事务所' }))).toMatchObject({ status: 409, code: 'organization_name_taken' });
    expect(await errorOf(adminSc.updateOrganization(firm.id, { name: ' ' }))).toMatchObject({ status: 400, code: 'invalid_name' });
    // malformed: no field, or one that cannot be changed
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
    expect(await errorOf(adminSc.updateOrganization(firm.id, { parentId: deyang.id }))).toMatchObject({ status: 400, code: 'region_code_prefix' });
    const moved = await adminSc.updateOrganization(firm.id, { parentId: deyang.id, regionCode: '510623' });
    expect(moved).toMatchObject({ parentId: deyang.id, regionCode: '510623', county: true });
    const [entry] = await entriesFor(adminSc, server.demo!.sichuan, firm.id);
    expect(entry).toMatchObject({
      action: 'organization.updated',
      before: { parentId: server.demo!.mianyang, parentName: '绵阳市律师协会', regionCode: '510725' },
      after: { parentId: deyang.id, parentName: '德阳市律师协会', regionCode: '510623' },
    });
    // a city moves only under a province; a firm cannot take a city under it
    expect(await errorOf(adminSc.updateOrganization(deyang.id, { parentId: server.demo!.mianyang }))).toMatchObject({ code: 'kind_not_allowed' });
  });

  it('refuses cycles, moving the root, and a move out of the caller’s subtree', async () => {
    expect(await errorOf(admin.updateOrganization(server.demo!.sichuan, { parentId: server.demo!.mianyang }))).toMatchObject({ status: 400, code: 'organization_cycle' });
    expect(await errorOf(admin.updateOrganization(server.demo!.mianyang, { parentId: server.demo!.mianyang }))).toMatchObject({ code: 'organization_cycle' });
    expect(await errorOf(admin.updateOrganization(server.demo!.national, { parentId: server.demo!.sichuan }))).toMatchObject({ status: 400, code: 'root_organization' });
    // the Sichuan admin may not move Mianyang to Gansu (403), nor move Sichuan itself (the decision of the association above)
    expect((await errorOf(adminSc.updateOrganization(server.demo!.mianyang, { parentId: server.demo!.gansu, regionCode: '620700' }))).status).toBe(403);
    expect(await errorOf(adminSc.updateOrganization(server.demo!.sichuan, { parentId: server.demo!.gansu }))).toMatchObject({ code: 'parent_admin_required' });
    // naming the parent it already has is no move
    expect(await adminSc.updateOrganization(server.demo!.sichuan, { parentId: server.demo!.national })).toMatchObject({ parentId: server.demo!.national });
    expect((await admin.organization(server.demo!.mianyang)).parentId).toBe(server.demo!.sichuan);
  });

  it('a new region code must still fit every direct sub-organization', async () => {
    const clash = await errorOf(adminSc.updateOrganization(server.demo!.mianyang, { regionCode: '511300' }));
    expect(clash).toMatchObject({ status: 400, code: 'region_code_children' });
    expect(clash.message).toContain('三台县明理律师事务所');
    expect((await adminSc.updateOrganization(server.demo!.santaiFirm, { county: false })).county).toBe(false);
    expect((await adminSc.updateOrganization(server.demo!.santaiFirm, { county: true })).county).toBe(true);
  });

  it('closes and reopens, 409 for reopening under a closed parent; the tree keeps closed organizations, marked', async () => {
    const city = await admin.createOrganization({ parentId: server.demo!.gansu, name: '陇南市律师协会', kind: 'city', regionCode: '621200' });
    const firm = await admin.createOrganization({ parentId: city.id, name: '武都区律师事务所', kind: 'firm', regionCode: '621202' });
    await admin.updateOrganization(firm.id, { closed: true });
    await admin.updateOrganization(city.id, { closed: true });
    expect(await errorOf(admin.updateOrganization(firm.id, { closed: false }))).toMatchObject({ status: 409, code: 'parent_closed' });
    expect(await errorOf(admin.updateOrganization(server.demo!.ganguFirm, { parentId: city.id, regionCode: '621202' }))).toMatchObject({ status: 409, code: 'organization_closed' });
    const tree = flatten(await admin.organizations());
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
    expect((await errorOf(lawyer.updateOrganization(server.demo!.santaiFirm, { name: 'x' }))).status).toBe(403);
    expect((await errorOf(lawyer.createOrganization({ parentId: server.demo!.santaiFirm, name: 'x', kind: 'firm', regionCode: '510722' }))).status).toBe(403);
    expect((await errorOf(lawyer.searchPeople('li'))).status).toBe(403);
  });
});

describe('changes at the same moment', () => {
  it('two creations of one name under one parent: one 201, one 409; two staff accounts with one login: the same', async () => {
    const body = { parentId: server.demo!.mianyang, name: '同时新建的律师事务所', kind: 'firm' as const, regionCode: '510726' };
    const orgs = await Promise.all([settle(admin.createOrganization(body)), settle(adminSc.createOrganization(body))]);
    expect(orgs.filter((o) => o.ok)).toHaveLength(1);
    expect(orgs.flatMap((o) => (o.ok ? [] : [[o.status, o.code]]))).toEqual([[409, 'organization_name_taken']]);

    const accounts = await Promise.all([
      settle(admin.createStaff(server.demo!.mianyang, 'same-moment', '同时')),
      settle(adminSc.createStaff(server.demo!.santaiFirm, 'same-moment', '同时')),
    ]);
    expect(accounts.filter((o) => o.ok)).toHaveLength(1);
    expect(accounts.flatMap((o) => (o.ok ? [] : [[o.status, o.code]]))).toEqual([[409, 'login_taken']]);
  });

  it('closing a city while a firm is created under it: either the firm exists and the close is refused, or the city is closed and the firm refused', async () => {
    const city = await admin.createOrganization({ parentId: server.demo!.sichuan, name: '遂宁市律师协会', kind: 'city', regionCode: '510900' });
    const [close, create] = await Promise.all([
      settle(admin.updateOrganization(city.id, { closed: true })),
      settle(adminSc.createOrganization({ parentId: city.id, name: '船山区律师事务所', kind: 'firm', regionCode: '510903' })),
    ]);
    const outcome = [close.ok ? 'closed' : close.status, create.ok ? 'created' : create.status];
    expect([
      [409, 'created'],
      ['closed', 409],
    ]).toContainEqual(outcome);
    const tree = flatten(await admin.organizations());
    const closedCity = tree.find((n) => n.id === city.id)!;
    // never a closed city with an open firm under it
    expect(closedCity.closedAt !== null && closedCity.children.some((c) => c.closedAt === null)).toBe(false);
  });
});
