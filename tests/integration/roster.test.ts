import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, type TestClient } from '../helpers/http.ts';
import { users } from '../../server/db/schema/index.ts';

let server: TestServer;
let adminSc: TestClient;
beforeAll(async () => {
  server = await startTestServer();
  adminSc = createTestClient(server.baseUrl);
  await adminSc.login('admin-sc', 'lectern-demo');
});
afterAll(async () => server?.close());

const userCount = async () => Number((await server.deps.db.select({ n: count() }).from(users))[0]!.n);

describe('roster import', () => {
  it('one bad row → nothing imported, and the row is named', async () => {
    const before = await userCount();
    const csv = [
      '\uFEFF执业证号,姓名,律师事务所', // Chinese headers and a BOM, as Excel/WPS save them
      '15107202310000011,周一,三台县明理律师事务所',
      '1510720231000001X,吴二,三台县明理律师事务所', // bad licence on line 3
      '15107202310000013,郑三,三台县明理律师事务所',
    ].join('\r\n');
    const res = await adminSc.raw('POST', `/api/organizations/${server.demo!.sichuan}/roster`, { csv });
    expect(res.status).toBe(400);
    const body = res.json as { error: string; message: string; problems: { row: number; column?: string; message: string }[] };
    expect(body.error).toBe('roster_invalid');
    expect(body.problems).toEqual([{ row: 3, column: 'licenseNo', message: expect.stringMatching(/17 digits/) }]);
    expect(body.message).toMatch(/row 3/);
    expect(await userCount()).toBe(before);
  });

  it('a firm outside the organization, a duplicate and an already registered licence are all reported', async () => {
    const before = await userCount();
    const csv = [
      'licenseNo,name,firm',
      '15107202310000021,甲,甘谷县渭水律师事务所', // a Gansu firm: not in Sichuan
      '15107202110000001,乙,三台县明理律师事务所', // the demo lawyer's licence
      '15107202310000023,丙,三台县明理律师事务所',
      '15107202310000023,丁,三台县明理律师事务所', // duplicate of row 4
    ].join('\n');
    const res = await adminSc.raw('POST', `/api/organizations/${server.demo!.sichuan}/roster`, { csv });
    expect(res.status).toBe(400);
    const rows = (res.json as { problems: { row: number }[] }).problems.map((p) => p.row).sort();
    expect(rows).toEqual([2, 3, 5]);
    expect(await userCount()).toBe(before);
  });

  it('a good roster imports every lawyer, who can then log in with the one-time password', async () => {
    const before = await userCount();
    const csv = 'licenseNo,name,firm\n15107202310000031,钱四,三台县明理律师事务所\n15107032310000032,孙五,绵阳涪城正衡律师事务所\n';
    const res = await adminSc.raw('POST', `/api/organizations/${server.demo!.sichuan}/roster`, { csv });
    expect(res.status).toBe(200);
    const body = res.json as { imported: number; accounts: { login: string; initialPassword: string }[] };
    expect(body.imported).toBe(2);
    expect(await userCount()).toBe(before + 2);
    const newcomer = createTestClient(server.baseUrl);
    await newcomer.login(body.accounts[0]!.login, body.accounts[0]!.initialPassword);
    expect((await newcomer.me()).name).toBe('钱四');
  });

  it('a header without the needed columns is refused', async () => {
    const res = await adminSc.raw('POST', `/api/organizations/${server.demo!.sichuan}/roster`, { csv: 'a,b,c\n1,2,3\n' });
    expect(res.status).toBe(400);
    expect((res.json as { problems: { row: number }[] }).problems[0]!.row).toBe(1);
  });
});
