/**
 * From an empty production database to a running province (docs/accounts.md, "Organizations and
 * staff"; README, "Production"): no demo, the first administrator made the way `npm run
 * admin:create` makes it, then everything through the API the web app uses — a province, a city,
 * two firms (one county), a trainer and a provincial administrator with one-time passwords, who
 * must change them, are refused outside the province on every administration route, and whose
 * trainer writes a course. Role changes follow the peer rule; every change is in the audit log.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAttempts, organizations, roleGrants, users } from '../../server/db/schema/index.ts';
import { createFirstAdmin } from '../../server/staff/first-admin.ts';
import type { AdministeredOrganization, AuditEntry, Me, StaffAccountCreated } from '../../web/src/lib/api/types.ts';
import { createTestClient, errorOf, settle, type TestClient } from '../helpers/http.ts';
import { teachApi, type NewCourse } from '../../web/src/routes/teach/teach-api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let root: TestClient;
const ROOT_PASSWORD = 'operator-typed-this-1';

/** Filled in as the tree is built, in test order. */
const ids = {} as Record<'national' | 'sichuan' | 'mianyang' | 'santai' | 'chengduFirm' | 'gansu' | 'ganguFirm', string>;
const accounts = {} as Record<'scAdmin' | 'trainer' | 'gsAdmin', StaffAccountCreated>;

beforeAll(async () => {
  server = await startTestServer({ env: { SEED_DEMO: 'false' } });
  root = createTestClient(server.baseUrl);
});
afterAll(async () => server?.close());

async function signedIn(login: string, password: string): Promise<TestClient> {
  const client = createTestClient(server.baseUrl);
  await client.login(login, password);
  return client;
}

/** Signs in with the one-time password and replaces it, as the web app makes the person do. */
async function firstLogin(account: StaffAccountCreated, newPassword: string): Promise<TestClient> {
  const client = await signedIn(account.login, account.initialPassword);
  expect((await client.me()).passwordChangeRequired).toBe(true);
  await client.changePassword(account.initialPassword, newPassword);
  expect((await client.me()).passwordChangeRequired).toBe(false);
  return client;
}

async function auditOf(client: TestClient, orgId: string): Promise<AuditEntry[]> {
  return (await client.auditLog(orgId, { limit: 200 })).items;
}

describe('from admin:create to a running province', () => {
  it('starts empty: no organization, no account, no demo', async () => {
    expect(server.demo).toBeUndefined();
    expect(await server.deps.db.select().from(organizations)).toEqual([]);
    expect(await server.deps.db.select().from(users)).toEqual([]);
  });

  it('admin:create makes the national association and its administrator, in the audit log without an actor', async () => {
    expect(await createFirstAdmin(server.deps.db, { login: '12345', name: 'x', password: ROOT_PASSWORD, organizationName: '中华全国律师协会', regionCode: '100000' })).toMatchObject({
      kind: 'invalid_login',
    });
    expect(await createFirstAdmin(server.deps.db, { login: 'root', name: '秘书处', password: 'short', organizationName: '中华全国律师协会', regionCode: '100000' })).toMatchObject({
      kind: 'password_too_short',
    });
    expect(await createFirstAdmin(server.deps.db, { login: 'root', name: '秘书处', password: ROOT_PASSWORD, organizationName: '中华全国律师协会', regionCode: '510000' })).toEqual({
      kind: 'invalid_region_code',
    });
    const made = await createFirstAdmin(server.deps.db, { login: 'root', name: '秘书处', password: ROOT_PASSWORD, organizationName: '中华全国律师协会', regionCode: '100000' });
    expect(made).toMatchObject({ kind: 'created', login: 'root', organizationCreated: true });
    expect(await createFirstAdmin(server.deps.db, { login: 'root', name: '秘书处', password: ROOT_PASSWORD, organizationName: '中华全国律师协会', regionCode: '100000' })).toEqual({ kind: 'login_taken' });

    await root.login('root', ROOT_PASSWORD);
    const me: Me = await root.me();
    expect(me.passwordChangeRequired).toBe(false); // the operator typed it: not a one-time password
    const tree = await root.organizations();
    expect(tree).toHaveLength(1);
    expect(tree[0]).toMatchObject({ kind: 'national', regionCode: '100000', closedAt: null, children: [] });
    ids.national = tree[0]!.id;
    expect(me.roles).toEqual([{ organizationId: ids.national, role: 'admin' }]);

    const entries = await auditOf(root, ids.national);
    expect(entries.map((e) => e.action).sort()).toEqual(['organization.created', 'role.granted', 'staff.created']);
    expect(entries.every((e) => e.actor === null && e.ip === null)).toBe(true);
  });

  it('the national administrator creates a province, a city and two firms (one county)', async () => {
    const sichuan = await root.createOrganization({ parentId: ids.national, name: '四川省律师协会', kind: 'province', regionCode: '510000' });
    expect(sichuan).toEqual({ id: expect.any(String), name: '四川省律师协会', kind: 'province', regionCode: '510000', county: false, parentId: ids.national, closedAt: null });
    ids.sichuan = sichuan.id;
    ids.mianyang = (await root.createOrganization({ parentId: ids.sichuan, name: '绵阳市律师协会', kind: 'city', regionCode: '510700' })).id;
    const santai = await root.createOrganization({ parentId: ids.mianyang, name: '三台县明理律师事务所', kind: 'firm', regionCode: '510722', county: true });
    expect(santai).toMatchObject({ kind: 'firm', county: true, parentId: ids.mianyang });
    ids.santai = santai.id;
    // a firm directly under the province association
    ids.chengduFirm = (await root.createOrganization({ parentId: ids.sichuan, name: '成都锦城律师事务所', kind: 'firm', regionCode: '510104' })).id;
    ids.gansu = (await root.createOrganization({ parentId: ids.national, name: '甘肃省律师协会', kind: 'province', regionCode: '620000' })).id;
    ids.ganguFirm = (await root.createOrganization({ parentId: ids.gansu, name: '甘谷县渭水律师事务所', kind: 'firm', regionCode: '620523', county: true })).id;

    const [national] = await root.organizations();
    expect(national!.children.map((c) => c.name)).toEqual(['四川省律师协会', '甘肃省律师协会']);
    const sc = national!.children[0]!;
    expect(sc.children.map((c) => c.name).sort()).toEqual(['成都锦城律师事务所', '绵阳市律师协会']);
  });

  it('refuses what cannot sit there: 400 with a code saying why, 409 for a name used under the parent; nothing stored', async () => {
    const refused = [
      [{ parentId: ids.santai, name: '律所下的律所', kind: 'firm', regionCode: '510722' }, 400, 'kind_not_allowed'],
      [{ parentId: ids.mianyang, name: '市下的省', kind: 'province', regionCode: '510000' }, 400, 'kind_not_allowed'],
      [{ parentId: ids.national, name: '第二个全国', kind: 'national', regionCode: '000000' }, 400, 'kind_not_allowed'],
      [{ parentId: ids.mianyang, name: '五位', kind: 'firm', regionCode: '51072' }, 400, 'invalid_region_code'],
      [{ parentId: ids.mianyang, name: '字母', kind: 'firm', regionCode: '51072x' }, 400, 'invalid_region_code'],
      [{ parentId: ids.sichuan, name: '天水市律师协会', kind: 'city', regionCode: '620500' }, 400, 'region_code_prefix'],
      [{ parentId: ids.mianyang, name: '南充的律所', kind: 'firm', regionCode: '511302' }, 400, 'region_code_prefix'],
      [{ parentId: ids.sichuan, name: '省级代码的市', kind: 'city', regionCode: '510000' }, 400, 'region_code_level'],
      [{ parentId: ids.sichuan, name: '县域市协会', kind: 'city', regionCode: '511300', county: true }, 400, 'county_not_firm'],
      [{ parentId: ids.mianyang, name: '市级代码的县域律所', kind: 'firm', regionCode: '510700', county: true }, 400, 'county_code'],
      [{ parentId: ids.mianyang, name: '三台县明理律师事务所', kind: 'firm', regionCode: '510722' }, 409, 'organization_name_taken'],
      [{ parentId: ids.mianyang, name: '  三台县明理律师事务所 ', kind: 'firm', regionCode: '510722' }, 409, 'organization_name_taken'],
      [{ parentId: ids.mianyang, name: '   ', kind: 'firm', regionCode: '510722' }, 400, 'invalid_name'],
    ] as const;
    const before = (await server.deps.db.select().from(organizations)).length;
    for (const [body, status, code] of refused) {
      const refusal = await errorOf(root.createOrganization(body));
      expect([refusal.status, refusal.code], JSON.stringify(body)).toEqual([status, code]);
    }
    expect((await server.deps.db.select().from(organizations)).length).toBe(before);
  });

  it('creates staff accounts: no licence number, a one-time password answered once, 409 for a login in use', async () => {
    const res = await root.raw('POST', `/api/organizations/${ids.sichuan}/staff`, { login: 'sc-admin', name: '陈主任' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    accounts.scAdmin = res.json as StaffAccountCreated;
    expect(accounts.scAdmin).toEqual({ userId: expect.any(String), login: 'sc-admin', initialPassword: expect.stringMatching(/^[a-z2-9]{12}$/) });
    accounts.trainer = await root.createStaff(ids.mianyang, 'my-trainer', '周讲师');
    accounts.gsAdmin = await root.createStaff(ids.gansu, 'gs-admin', '马主任');

    const [row] = await server.deps.db.select().from(users).where(eq(users.id, accounts.scAdmin.userId));
    expect(row).toMatchObject({ organizationId: ids.sichuan, licenseNo: null, passwordChangeRequired: true, disabled: false });
    expect(row!.passwordHash).not.toContain(accounts.scAdmin.initialPassword);

    expect(await errorOf(root.createStaff(ids.mianyang, 'sc-admin', '又一个'))).toMatchObject({ code: 'login_taken' });
    expect((await errorOf(root.createStaff(ids.mianyang, 'sc-admin', '又一个'))).status).toBe(409);
    expect(await errorOf(root.createStaff(ids.mianyang, '15107202110000001', '像证号'))).toMatchObject({ code: 'login_digits_only' });
    expect(await errorOf(root.createStaff(ids.mianyang, 'has space', '空格'))).toMatchObject({ code: 'invalid_login' });
    expect((await root.raw('POST', `/api/organizations/${ids.mianyang}/staff`, { login: 'x1', name: '多余', licenseNo: '1' })).status).toBe(400);
  });

  it('grants trainer and admin by login (204; 404 for an unknown login) and lists the staff with their roles', async () => {
    expect(await root.grantRole(ids.sichuan, 'sc-admin', 'admin')).toBeUndefined();
    await root.grantRole(ids.mianyang, 'my-trainer', 'trainer');
    await root.grantRole(ids.gansu, 'gs-admin', 'admin');
    // granting what is held already changes nothing and answers the same
    await root.grantRole(ids.mianyang, 'my-trainer', 'trainer');
    expect(await errorOf(root.grantRole(ids.sichuan, 'nobody', 'trainer'))).toMatchObject({ status: 404, code: 'not_found' });
    expect((await root.raw('POST', `/api/organizations/${ids.sichuan}/roles`, { login: 'sc-admin', role: 'owner' })).status).toBe(400);

    const staff = await root.staff(ids.mianyang);
    expect(staff.changeableRoles).toEqual(['trainer', 'admin']);
    expect(staff.items).toEqual([
      expect.objectContaining({
        login: 'my-trainer',
        name: '周讲师',
        licenseNo: null,
        organization: { id: ids.mianyang, name: '绵阳市律师协会' },
        passwordChangeRequired: true,
        rolesHere: ['trainer'],
        roles: [{ organizationId: ids.mianyang, organizationName: '绵阳市律师协会', role: 'trainer' }],
      }),
    ]);
    const grants = await server.deps.db.select().from(roleGrants).where(eq(roleGrants.userId, accounts.trainer.userId));
    expect(grants).toHaveLength(1);
  });

  it('the provincial administrator must change the one-time password, then administers Sichuan only', async () => {
    const scAdmin = await firstLogin(accounts.scAdmin, 'sichuan-admin-pass-7');
    const tree = await scAdmin.organizations();
    expect(tree.map((n) => n.id)).toEqual([ids.sichuan]);

    // inside: a new firm, a staff account, a trainer
    const firm = await scAdmin.createOrganization({ parentId: ids.mianyang, name: '绵阳涪城正衡律师事务所', kind: 'firm', regionCode: '510703' });
    const firmTrainer = await scAdmin.createStaff(firm.id, 'fc-trainer', '吴律师');
    await scAdmin.grantRole(firm.id, 'fc-trainer', 'trainer');
    expect((await scAdmin.staff(firm.id)).items.map((s) => [s.login, s.rolesHere])).toEqual([['fc-trainer', ['trainer']]]);
    expect(firmTrainer.initialPassword).toHaveLength(12);
  });

  it('refuses the provincial administrator (403) on every administration route outside the province, unknown ids included', async () => {
    const scAdmin = await signedIn('sc-admin', 'sichuan-admin-pass-7');
    const unknownId = '00000000-0000-4000-8000-000000000000';
    for (const outside of [ids.gansu, ids.ganguFirm, ids.national, unknownId]) {
      const attempts: [string, () => Promise<unknown>][] = [
        ['organization', () => scAdmin.organization(outside)],
        ['updateOrganization', () => scAdmin.updateOrganization(outside, { name: '改名' })],
        ['staff', () => scAdmin.staff(outside)],
        ['createStaff', () => scAdmin.createStaff(outside, `x-${outside.slice(0, 8)}`, '外人')],
        ['grantRole', () => scAdmin.grantRole(outside, 'gs-admin', 'trainer')],
        ['revokeRole', () => scAdmin.revokeRole(outside, 'gs-admin', 'admin')],
        ['auditLog', () => scAdmin.auditLog(outside)],
      ];
      for (const [call, attempt] of attempts) {
        const ended = await settle(attempt());
        expect([call, outside, ended.ok ? 'answered' : ended.status]).toEqual([call, outside, 403]);
      }
      expect((await errorOf(scAdmin.createOrganization({ parentId: outside, name: '越界律所', kind: 'firm', regionCode: '620523' }))).status).toBe(403);
    }
    // moving something of Sichuan under Gansu, or Gansu's firm into Sichuan: 403 too
    expect((await errorOf(scAdmin.updateOrganization(ids.chengduFirm, { parentId: ids.gansu, regionCode: '620102' }))).status).toBe(403);
    expect((await errorOf(scAdmin.updateOrganization(ids.ganguFirm, { parentId: ids.mianyang, regionCode: '510722' }))).status).toBe(403);
    // a person of Gansu cannot be given a role in Sichuan: answered like an unknown login
    expect((await errorOf(scAdmin.grantRole(ids.santai, 'gs-admin', 'trainer'))).status).toBe(404);
    // the people search finds nobody outside the province
    expect((await scAdmin.searchPeople('gs-admin')).items).toEqual([]);
    expect((await scAdmin.searchPeople('马')).items).toEqual([]);
    expect((await root.searchPeople('gs-admin')).items.map((p) => p.login)).toEqual(['gs-admin']);
    // nothing was changed by any of it
    expect((await root.organization(ids.gansu)).name).toBe('甘肃省律师协会');
    expect(await server.deps.db.select().from(users).where(eq(users.name, '外人'))).toEqual([]);
  });

  it('the trainer (after changing the one-time password) creates a course in its organization, not above it', async () => {
    const trainer = await firstLogin(accounts.trainer, 'mianyang-trainer-9');
    const course = await trainer.expectStatus(201, teachApi(trainer).createCourse({ title: '县域刑辩实务', category: 'criminal', organizationId: ids.mianyang }));
    expect(course).toMatchObject({ organizationId: ids.mianyang, status: 'draft' });
    expect((await errorOf(teachApi(trainer).createCourse({ title: '省级课程', category: 'criminal', organizationId: ids.sichuan }))).status).toBe(403);
  });

  it('an administrator becomes a course author by granting themselves trainer (the national root included)', async () => {
    const course: NewCourse = { title: '全国课程', category: 'ethics_regulation', organizationId: ids.national };
    expect((await errorOf(teachApi(root).createCourse(course))).status).toBe(403);
    await root.grantRole(ids.national, 'root', 'trainer');
    await root.expectStatus(201, teachApi(root).createCourse(course));
    expect((await root.me()).roles).toContainEqual({ organizationId: ids.national, role: 'trainer' });
  });

  it('the peer rule: admin only from strictly above, never one’s own admin role, peers out of reach', async () => {
    const scAdmin = await signedIn('sc-admin', 'sichuan-admin-pass-7');
    const scAdmin2 = await root.createStaff(ids.sichuan, 'sc-admin2', '李副主任');
    await root.grantRole(ids.sichuan, 'sc-admin2', 'admin');

    // a provincial administrator makes no administrator of the province (a peer)…
    expect(await errorOf(scAdmin.grantRole(ids.sichuan, 'my-trainer', 'admin'))).toMatchObject({ status: 403, code: 'peer_role' });
    // …nor removes a peer's, nor changes a peer's other roles
    expect(await errorOf(scAdmin.revokeRole(ids.sichuan, 'sc-admin2', 'admin'))).toMatchObject({ status: 403, code: 'peer_role' });
    expect(await errorOf(scAdmin.grantRole(ids.santai, 'sc-admin2', 'trainer'))).toMatchObject({ status: 403, code: 'peer_account' });
    // never their own admin role
    expect(await errorOf(scAdmin.revokeRole(ids.sichuan, 'sc-admin', 'admin'))).toMatchObject({ status: 409, code: 'own_account' });
    expect(await errorOf(root.revokeRole(ids.national, 'root', 'admin'))).toMatchObject({ status: 409, code: 'own_account' });
    // but below the province: an administrator of the city, and a trainer of the province itself
    await scAdmin.grantRole(ids.mianyang, 'my-trainer', 'admin');
    await scAdmin.grantRole(ids.sichuan, 'my-trainer', 'trainer');
    expect((await scAdmin.staff(ids.sichuan)).changeableRoles).toEqual(['trainer']);
    expect((await scAdmin.staff(ids.mianyang)).items.find((s) => s.login === 'my-trainer')!.rolesHere.sort()).toEqual(['admin', 'trainer']);
    // the city administrator cannot touch the province administrator who named them
    const cityAdmin = await signedIn('my-trainer', 'mianyang-trainer-9');
    expect(await cityAdmin.revokeRole(ids.mianyang, 'my-trainer', 'trainer')).toBeUndefined(); // own trainer: yes
    expect((await errorOf(cityAdmin.grantRole(ids.santai, 'sc-admin', 'trainer'))).status).toBe(404); // sc-admin belongs to Sichuan, above the city
    // the national administrator is above the province: revokes the second provincial administrator
    await root.revokeRole(ids.sichuan, 'sc-admin2', 'admin');
    expect((await root.staff(ids.sichuan)).items.find((s) => s.login === 'sc-admin2')!.rolesHere).toEqual([]);
    // revoking what is not held changes nothing
    expect(await root.revokeRole(ids.sichuan, 'sc-admin2', 'admin')).toBeUndefined();
    expect((await errorOf(root.revokeRole(ids.sichuan, 'nobody', 'admin'))).status).toBe(404);
    expect(scAdmin2.login).toBe('sc-admin2');
  });

  it('writes every change to the audit log: who, what, before and after; the province reads its own only', async () => {
    const all = await auditOf(root, ids.national);
    const byAction = (action: string) => all.filter((e) => e.action === action);
    expect(byAction('organization.created').length).toBe(8); // the root, 6 by root, 1 by sc-admin (so far)
    expect(byAction('staff.created').length).toBe(6);
    const santai = byAction('organization.created').find((e) => e.targetId === ids.santai)!;
    expect(santai).toMatchObject({ actor: { login: 'root' }, organizationId: ids.santai, targetType: 'organization', before: null });
    expect(santai.after).toEqual({ name: '三台县明理律师事务所', kind: 'firm', regionCode: '510722', county: true, parentId: ids.mianyang, parentName: '绵阳市律师协会' });
    const staff = byAction('staff.created').find((e) => e.targetId === accounts.scAdmin.userId)!;
    expect(staff).toMatchObject({ actor: { login: 'root' }, organizationId: ids.sichuan, before: null, after: { login: 'sc-admin', name: '陈主任', organizationId: ids.sichuan, organizationName: '四川省律师协会', passwordChangeRequired: true } });
    expect(JSON.stringify(all)).not.toContain(accounts.scAdmin.initialPassword);
    const revoked = byAction('role.revoked');
    expect(revoked).toHaveLength(2); // my-trainer dropped their own trainer, root revoked sc-admin2
    expect(revoked.find((e) => e.actor?.login === 'root')).toMatchObject({ organizationId: ids.sichuan, before: { login: 'sc-admin2', role: 'admin' }, after: null });
    // the second identical grant and the revoke of nothing left no entry
    expect(byAction('role.granted').filter((e) => e.targetId === accounts.trainer.userId && (e.after as { organizationId: string }).organizationId === ids.mianyang && (e.after as { role: string }).role === 'trainer')).toHaveLength(1);

    const scAdmin = await signedIn('sc-admin', 'sichuan-admin-pass-7');
    const sichuan = await auditOf(scAdmin, ids.sichuan);
    expect(sichuan.length).toBeGreaterThan(0);
    const sichuanIds = new Set([ids.sichuan, ids.mianyang, ids.santai, ids.chengduFirm, ...(await scAdmin.organizations()).flatMap(function walk(n): string[] { return [n.id, ...n.children.flatMap(walk)]; })]);
    expect(sichuan.every((e) => sichuanIds.has(e.organizationId))).toBe(true);
    expect(sichuan.some((e) => e.targetId === accounts.gsAdmin.userId)).toBe(false);
  });

  it('closing: sub-organizations first, then nothing new under it; the history stays; reopening', async () => {
    await server.deps.db.delete(loginAttempts);
    const scAdmin = await signedIn('sc-admin', 'sichuan-admin-pass-7');
    expect(await errorOf(scAdmin.updateOrganization(ids.mianyang, { closed: true }))).toMatchObject({ status: 409, code: 'open_sub_organizations' });
    const closedFirm: AdministeredOrganization = await scAdmin.updateOrganization(ids.santai, { closed: true });
    expect(closedFirm.closedAt).toEqual(expect.any(String));
    const closedCity = await scAdmin.createOrganization({ parentId: ids.sichuan, name: '德阳市律师协会', kind: 'city', regionCode: '510600' });
    await scAdmin.updateOrganization(closedCity.id, { closed: true });
    for (const [call, attempt] of [
      ['createOrganization', () => scAdmin.createOrganization({ parentId: closedCity.id, name: '旌阳区律师事务所', kind: 'firm', regionCode: '510603' })],
      ['createStaff', () => scAdmin.createStaff(ids.santai, 'late-staff', '迟到')],
      ['grantRole', () => scAdmin.grantRole(ids.santai, 'fc-trainer', 'trainer')],
    ] as const) {
      const ended = await settle<unknown>(attempt());
      expect([call, ended.ok ? 'answered' : ended.status, ended.ok ? undefined : ended.code]).toEqual([call, 409, 'organization_closed']);
    }
    // the tree marks it; its audit entries stay readable
    const [sc] = await scAdmin.organizations();
    const santai = sc!.children.flatMap((c) => c.children).find((f) => f.id === ids.santai)!;
    expect(santai.closedAt).toBe(closedFirm.closedAt);
    expect((await auditOf(scAdmin, ids.santai)).map((e) => e.action)).toEqual(['organization.closed', 'organization.created']);
    // the province administrator cannot close the province (that is the national association's decision), nor the root
    expect(await errorOf(scAdmin.updateOrganization(ids.sichuan, { closed: true }))).toMatchObject({ code: 'parent_admin_required' });
    expect(await errorOf(root.updateOrganization(ids.national, { closed: true }))).toMatchObject({ code: 'root_organization' });
    // reopening under an open parent
    expect((await scAdmin.updateOrganization(ids.santai, { closed: false })).closedAt).toBeNull();
  });
});
