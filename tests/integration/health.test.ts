/**
 * Health that a load balancer can use (issue 10, docs/operations.md "Health endpoints"):
 * liveness without I/O, readiness on the database alone, and `/api/health` (API.md) that turns 503
 * when storage is not writable, as of a background probe rather than a write per request.
 *
 * The storage outage is real: the S3 driver against s3rver, which is killed and started again on
 * the same port and folder (tests/helpers/s3-outage.ts). Probes run every second here
 * (HEALTH_STORAGE_PROBE_SECONDS=1); every wait is for a state, bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, type RawResponse } from '../helpers/http.ts';
import { startRestartableS3, type RestartableS3 } from '../helpers/s3-outage.ts';

/** Polls `check` until it is true; fails after `limitMs` (a bound, not a timing assertion). */
async function waitFor(what: string, check: () => Promise<boolean>, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Counts the storage probes of a running server (the probe calls the driver's checkWritable). */
function countProbes(server: TestServer): { readonly count: number } {
  const storage = server.deps.storage;
  const original = storage.checkWritable.bind(storage);
  const counter = { count: 0 };
  storage.checkWritable = () => {
    counter.count += 1;
    return original();
  };
  return counter;
}

const INTERNALS = /127\.0\.0\.1|localhost|ECONN|:\d{2,5}\b|at \w+ \(|s3rver|lectern-outage/i;

interface LogLine {
  level: number;
  msg: string;
  url?: string;
}

describe('health on S3 storage that goes away and comes back', () => {
  let s3: RestartableS3;
  let server: TestServer;
  const logs: LogLine[] = [];

  beforeAll(async () => {
    s3 = await startRestartableS3();
    server = await startTestServer({
      env: {
        S3_BUCKET: s3.bucket,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
        SEED_DEMO: 'false',
        HEALTH_STORAGE_PROBE_SECONDS: '1',
        LOG_LEVEL: 'info',
      },
      logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } },
    });
  });

  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  it('readiness stays 200 while storage is down, /api/health is 503 within a probe cycle and 200 again after', async () => {
    const client = createTestClient(server.baseUrl);
    const get = (p: string) => client.raw('GET', p);
    expect(server.deps.storage.driver).toBe('s3');

    // Everything up.
    expect((await get('/api/health')).json).toEqual({ status: 'ok' });
    expect((await get('/api/health/ready')).json).toEqual({ status: 'ok', storage: 'ok' });
    const live = await get('/api/health/live');
    expect([live.status, live.json]).toEqual([200, { status: 'ok' }]);
    expect(live.headers.get('cache-control')).toBe('no-store');

    // Storage goes away: readiness answers 200 on every ask while /api/health turns 503.
    const probes = countProbes(server);
    await s3.stop();
    const downAt = Date.now();
    const readyDuringOutage: RawResponse[] = [];
    let health: RawResponse | undefined;
    await waitFor('/api/health to answer 503 with storage down', async () => {
      readyDuringOutage.push(await get('/api/health/ready'));
      health = await get('/api/health');
      return health.status === 503;
    });
    const toUnhealthyMs = Date.now() - downAt;
    expect(health!.json).toEqual({ status: 'unavailable', failing: ['storage'] });
    expect(health!.text).not.toMatch(INTERNALS);
    const ready = await get('/api/health/ready');
    expect([ready.status, ready.json]).toEqual([200, { status: 'ok', storage: 'unavailable' }]);
    readyDuringOutage.push(ready);
    expect(readyDuringOutage.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    for (const r of readyDuringOutage) expect(r.text).not.toMatch(INTERNALS);
    expect((await get('/api/health/live')).status).toBe(200);

    // A few more failing probes: the outage is logged once, not per probe nor per health request.
    const seen = probes.count;
    await waitFor('three more probes while storage is down', async () => probes.count >= seen + 3);
    for (let i = 0; i < 5; i++) expect((await get('/api/health')).status).toBe(503);
    const downLines = logs.filter((l) => l.msg === 'health: storage is unavailable');
    expect(downLines).toHaveLength(1);
    expect(downLines[0]!.level).toBe(40); // warn
    // readiness, polled by balancers, writes no line per request (/api/health keeps one per 503)
    expect(logs.filter((l) => l.url?.startsWith('/api/health/'))).toEqual([]);

    // Storage returns: /api/health is 200 again within a probe cycle, logged once.
    await s3.start();
    const upAt = Date.now();
    await waitFor('/api/health to answer 200 again', async () => (await get('/api/health')).status === 200);
    const toHealthyMs = Date.now() - upAt;
    expect((await get('/api/health')).json).toEqual({ status: 'ok' });
    expect((await get('/api/health/ready')).json).toEqual({ status: 'ok', storage: 'ok' });
    expect(logs.filter((l) => l.msg === 'health: storage answers again')).toHaveLength(1);
    expect(logs.filter((l) => l.msg === 'health: storage is unavailable')).toHaveLength(1);
    console.log(`[health] probe every 1 s: 503 ${toUnhealthyMs} ms after storage stopped, 200 ${toHealthyMs} ms after it started; ${readyDuringOutage.length} readiness answers meanwhile, all 200`);
  });
});

describe('health on the local storage folder', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { HEALTH_STORAGE_PROBE_SECONDS: '1' } });
  });
  afterAll(async () => server?.close());

  it('turns 503 when the folder is not writable and 200 once it is again', async () => {
    const client = createTestClient(server.baseUrl);
    expect((await client.raw('GET', '/api/health')).json).toEqual({ status: 'ok' });
    // make the storage folder unusable: a file where the folder should be
    const root = path.join(server.dataDir, 'storage');
    await rm(root, { recursive: true, force: true });
    await writeFile(root, 'not a folder');
    let broken: RawResponse | undefined;
    await waitFor('503 with the storage folder broken', async () => (broken = await client.raw('GET', '/api/health')).status === 503);
    expect(broken!.json).toEqual({ status: 'unavailable', failing: ['storage'] });
    expect(broken!.text).not.toContain(server.dataDir);
    expect((await client.raw('GET', '/api/health/ready')).json).toEqual({ status: 'ok', storage: 'unavailable' });
    await rm(root, { force: true });
    await waitFor('200 with the folder back', async () => (await client.raw('GET', '/api/health')).status === 200);
  });
});

describe('health does no storage I/O per request', () => {
  it('answers many requests from the cached probe', async () => {
    const server = await startTestServer({ env: { HEALTH_STORAGE_PROBE_SECONDS: '3600' } });
    try {
      const client = createTestClient(server.baseUrl);
      expect((await client.raw('GET', '/api/health')).status).toBe(200); // the start-up probe is in
      const probes = countProbes(server);
      for (let i = 0; i < 30; i++) {
        expect((await client.raw('GET', '/api/health')).status).toBe(200);
        expect((await client.raw('GET', '/api/health/ready')).status).toBe(200);
        expect((await client.raw('GET', '/api/health/live')).status).toBe(200);
      }
      expect(probes.count).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('health without a database', () => {
  it('readiness and /api/health answer 503, liveness stays 200', async () => {
    const s = await startTestServer({ backend: 'pglite', env: { HEALTH_STORAGE_PROBE_SECONDS: '3600' } });
    try {
      const client = createTestClient(s.baseUrl);
      expect((await client.raw('GET', '/api/health/ready')).status).toBe(200);
      await s.testDatabase.close();
      const health = await client.raw('GET', '/api/health');
      expect([health.status, health.json]).toEqual([503, { status: 'unavailable', failing: ['database'] }]);
      const ready = await client.raw('GET', '/api/health/ready');
      expect([ready.status, ready.json]).toEqual([503, { status: 'unavailable', failing: ['database'], storage: 'ok' }]);
      expect(ready.text).not.toMatch(INTERNALS);
      expect((await client.raw('GET', '/api/health/live')).status).toBe(200);
    } finally {
      await s.app.close();
      await rm(s.dataDir, { recursive: true, force: true });
    }
  });
});
