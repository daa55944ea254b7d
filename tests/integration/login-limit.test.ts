/**
 * The login limit (docs/accounts.md, "The login limit") through HTTP, on PostgreSQL (the race is
 * about concurrent connections) and PGlite: a try is reserved atomically before its password is
 * hashed, only failures count, and a browser that has logged in as a login before (its device
 * cookie) is kept out of the per-login and per-address ceilings that strangers can fill.
 *
 * Every test uses its own accounts and its own addresses (RFC 5737 documentation ranges, sent as
 * X-Forwarded-For through the trusted proxy 127.0.0.1), so no test sees another's tries.
 */
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/auth/password.ts';
import { loginAttempts, users } from '../../server/db/schema/index.ts';
import { createTestClient, type RawResponse, type TestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const PASSWORD = 'right-password-2024';
const LIMIT = 10; // LOGIN_ATTEMPTS_PER_MINUTE's default: per login and address; 5 × for an address or a login

let server: TestServer;
let passwordHash: string;

beforeAll(async () => {
  // An hour's window: the counts below must not depend on how fast this machine runs the test
  // (with a minute, a slow run let the first failures leave the window before the last ones).
  server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1', LOGIN_WINDOW_SECONDS: '3600' } });
  expect(server.deps.config.loginAttemptsPerMinute).toBe(LIMIT);
  passwordHash = await hashPassword(PASSWORD); // once: 60 accounts must not cost 60 hashes
});
afterAll(async () => server?.close());

let serial = 0;
/** `n` fresh accounts with PASSWORD, in one insert. */
async function newAccounts(n: number, prefix: string): Promise<string[]> {
  const logins = Array.from({ length: n }, () => `${prefix}-${serial++}`);
  await server.deps.db.insert(users).values(logins.map((login) => ({ login, name: '测试律师', passwordHash, organizationId: server.demo!.santaiFirm })));
  return logins;
}
const newAccount = async (prefix: string) => (await newAccounts(1, prefix))[0]!;

/** One login try from `address`, with whatever cookies `browser` holds (a fresh browser when omitted). */
function tryLogin(address: string, login: string, password: string, browser: TestClient = createTestClient(server.baseUrl)): Promise<RawResponse> {
  return browser.raw('POST', '/api/auth/login', { login, password }, { 'x-forwarded-for': address });
}

/** A browser that has logged in as `login` once (from `address`), so it holds that login's device cookie. */
async function browserOf(login: string, address: string): Promise<TestClient> {
  const browser = createTestClient(server.baseUrl);
  const res = await tryLogin(address, login, PASSWORD, browser);
  expect(res.status, `first login of ${login}`).toBe(200);
  return browser;
}

const statuses = (answers: RawResponse[]) => {
  const tally: Record<number, number> = {};
  for (const answer of answers) tally[answer.status] = (tally[answer.status] ?? 0) + 1;
  return tally;
};

/** Password checks made for a login: every check first reserves one row (docs/accounts.md). */
async function checksOf(login: string, outcome?: 'succeeded' | 'failed'): Promise<number> {
  const where = outcome === undefined ? eq(loginAttempts.login, login) : and(eq(loginAttempts.login, login), eq(loginAttempts.succeeded, outcome === 'succeeded'));
  const [row] = await server.deps.db.select({ n: count() }).from(loginAttempts).where(where);
  return Number(row!.n);
}

function expectTooMany(res: RawResponse, what: string): void {
  expect(res.status, what).toBe(429);
  expect(res.json, what).toMatchObject({ error: 'too_many_attempts' });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600, `${what}: Retry-After ${res.headers.get('retry-after')}`).toBe(true);
}

describe('the login limit', () => {
  it('40 parallel wrong guesses from one address for one login: exactly 10 passwords are checked, 30 are 429', async () => {
    const login = await newAccount('race');
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => tryLogin('203.0.113.10', login, `guess-${i}`)));
    expect(statuses(answers)).toEqual({ 401: LIMIT, 429: 40 - LIMIT });
    for (const answer of answers.filter((a) => a.status === 429)) expectTooMany(answer, 'a refused guess');
    expect(await checksOf(login)).toBe(LIMIT);
    expect(await checksOf(login, 'succeeded')).toBe(0);
    // and the right password from there waits too (a stranger's browser: no device cookie)
    expectTooMany(await tryLogin('203.0.113.10', login, PASSWORD), 'the right password after 10 wrong ones');
  });

  it('60 lawyers behind one address (a training room) all log in within the minute, even with 20 typos among them', async () => {
    const logins = await newAccounts(60, 'crowd');
    // one after another, as people arrive (all at once would also have slipped past the old, racy count)
    const typoAnswers: RawResponse[] = [];
    const rightAnswers: RawResponse[] = [];
    for (const [i, login] of logins.entries()) {
      if (i % 3 === 0) typoAnswers.push(await tryLogin('198.51.100.20', login, 'typo-password'));
      rightAnswers.push(await tryLogin('198.51.100.20', login, PASSWORD));
    }
    expect(statuses(typoAnswers)).toEqual({ 401: 20 });
    expect(statuses(rightAnswers)).toEqual({ 200: 60 });
    // a right password's reservation is turned into a success, which no ceiling counts
    const [row] = await server.deps.db.select({ n: count() }).from(loginAttempts).where(and(eq(loginAttempts.ip, '198.51.100.20'), eq(loginAttempts.succeeded, true)));
    expect(Number(row!.n)).toBe(60);
  });

  it('an attacker guessing from six addresses cannot keep the owner out of the browser they used before', async () => {
    const owner = await newAccount('owner');
    const ownBrowser = await browserOf(owner, '192.0.2.1');
    // six addresses × 10 wrong guesses (each address at its pair limit): 60 tries, the per-login ceiling is 50
    const spray = await Promise.all(
      ['203.0.113.31', '203.0.113.32', '203.0.113.33', '203.0.113.34', '203.0.113.35', '203.0.113.36'].map(async (address) => {
        const answers: RawResponse[] = [];
        for (let i = 0; i < LIMIT; i++) answers.push(await tryLogin(address, owner, `spray-${address}-${i}`));
        return answers;
      }),
    );
    expect(statuses(spray.flat())).toEqual({ 401: 5 * LIMIT, 429: LIMIT });
    expect(await checksOf(owner, 'failed')).toBe(5 * LIMIT);

    // the owner's browser gets in, at home or on the road (the device cookie travels with it)
    expect((await tryLogin('192.0.2.1', owner, PASSWORD, ownBrowser)).status).toBe(200);
    expect((await tryLogin('192.0.2.200', owner, PASSWORD, ownBrowser)).status).toBe(200);
    // the cost, documented: a browser that never logged in as the owner waits out the minute
    expectTooMany(await tryLogin('192.0.2.1', owner, PASSWORD), 'the owner on a new browser');
  });

  it('a guesser behind a shared address fills its ceiling: strangers wait, browsers that logged in there before do not', async () => {
    const nat = '198.51.100.77';
    const [regular, newcomer, ...victims] = await newAccounts(8, 'nat'); // 6 victims: 5 to fill the ceiling, 1 more
    const regularBrowser = await browserOf(regular!, nat);
    // 5 logins × 10 wrong guesses = 50 failures from the address: its ceiling
    for (const victim of victims.slice(0, 5)) {
      for (let i = 0; i < LIMIT; i++) expect((await tryLogin(nat, victim, `nat-guess-${i}`)).status).toBe(401);
    }
    expectTooMany(await tryLogin(nat, victims[5]!, 'one-more-guess'), 'the 51st failure from the address');
    expectTooMany(await tryLogin(nat, newcomer!, PASSWORD), 'a lawyer on a new browser at the address');
    expect((await tryLogin(nat, regular!, PASSWORD, regularBrowser)).status).toBe(200);
  });

  it('the pair limit holds: 10 wrong from one address, then the right password is 429 there and 200 elsewhere', async () => {
    const login = await newAccount('pair');
    for (let i = 1; i <= LIMIT; i++) expect((await tryLogin('203.0.113.50', login, `guess-${i}`)).status, `try ${i}`).toBe(401);
    expectTooMany(await tryLogin('203.0.113.50', login, PASSWORD), 'the 11th try');
    expect(await checksOf(login)).toBe(LIMIT); // a 429 checks nothing and records nothing
    expect((await tryLogin('203.0.113.51', login, PASSWORD)).status).toBe(200);
  });

  it('a browser has its own limit of 10 failures a minute, from whichever address it is used', async () => {
    const login = await newAccount('device');
    const browser = await browserOf(login, '192.0.2.60');
    for (let i = 1; i <= LIMIT; i++) expect((await tryLogin(`192.0.2.${60 + i}`, login, `device-guess-${i}`, browser)).status, `try ${i}`).toBe(401);
    // so a stolen device cookie is worth no more than 10 guesses a minute, however many addresses the thief has
    expectTooMany(await tryLogin('192.0.2.99', login, PASSWORD, browser), 'the device after 10 failures');
    // those failures were the browser's: a new browser of the owner is not held up by them
    expect((await tryLogin('192.0.2.99', login, PASSWORD)).status).toBe(200);
  });

  it("a forged or altered device cookie, or another login's, is no device cookie", async () => {
    const [owner, other] = await newAccounts(2, 'forge');
    const ownersBrowser = await browserOf(owner!, '192.0.2.120');
    const othersBrowser = await browserOf(other!, '192.0.2.121');
    const address = '203.0.113.120';
    for (let i = 1; i <= LIMIT; i++) expect((await tryLogin(address, owner!, `guess-${i}`)).status).toBe(401);

    const genuine = ownersBrowser.jar.cookies.get('lectern_device')!;
    const withCookie = (value: string) => {
      const browser = createTestClient(server.baseUrl);
      browser.jar.cookies.set('lectern_device', value);
      return browser;
    };
    const [id, issued, mac] = genuine.split('.') as [string, string, string];
    const flipped = [id, issued, (mac.startsWith('A') ? 'B' : 'A') + mac.slice(1)].join('.');
    const backdated = [id, String(Number(issued) - 1), mac].join('.');
    for (const [what, value] of [
      ["the other login's cookie", othersBrowser.jar.cookies.get('lectern_device')!],
      ['an altered signature', flipped],
      ['an altered issue time', backdated],
      ['garbage', 'not-a-device-cookie'],
    ] as const) {
      expectTooMany(await tryLogin(address, owner!, PASSWORD, withCookie(value)), what);
    }
    expect((await tryLogin(address, owner!, PASSWORD, withCookie(genuine))).status).toBe(200);
  });

  it('the device cookie is HttpOnly, SameSite=Strict, sent only to the login route, and lasts 180 days', async () => {
    const login = await newAccount('cookie');
    const res = await tryLogin('192.0.2.130', login, PASSWORD);
    expect(res.status).toBe(200);
    const device = res.headers.getSetCookie().find((line) => line.startsWith('lectern_device='));
    expect(device).toBeDefined();
    expect(device).toMatch(/HttpOnly/i);
    expect(device).toMatch(/SameSite=Strict/i);
    expect(device).toMatch(/Path=\/api\/auth\/login(;|$)/);
    expect(device).toMatch(new RegExp(`Max-Age=${180 * 86_400}(;|$)`));
    // a failed try sets no cookie at all
    expect((await tryLogin('192.0.2.130', login, 'wrong-password')).headers.getSetCookie()).toEqual([]);
  });
});
