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
