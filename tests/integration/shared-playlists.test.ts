/**
 * CDN-ready delivery on S3 (docs/storage.md, "Shared playlists"): the whole app on a real s3rver
 * with a real transcoded lecture. A viewer opens a session, reads the playlists through the API and
 * then every segment straight from the store — no API request per segment; two viewers of one window
 * get the same playlist bytes, the next window different ones; links expire; someone who may not
 * watch the lecture gets no playlist. Runs on PostgreSQL (DATABASE_URL) and PGlite.
 */
import { sql } from 'drizzle-orm';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaService, type MediaAnswer } from '../../server/media/service.ts';
import { SHARED_WINDOW_SECONDS, windowOf } from '../../server/media/playlists.ts';
import { mediaUrls } from '../../server/media/service.ts';
import { nowSeconds } from '../../server/storage/signing.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { availableBackends } from '../helpers/database.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { startTestS3, type TestS3 } from '../helpers/s3.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** The URIs a playlist names: lines and URI="…" attributes. */
function urisOf(playlist: string): string[] {
  const uris: string[] = [];
  for (const line of playlist.split('\n')) {
    if (line.startsWith('#')) {
      const match = /URI="([^"]+)"/.exec(line);
      if (match) uris.push(match[1]!);
    } else if (line.trim()) uris.push(line.trim());
  }
  return uris;
}

async function bodyText(answer: MediaAnswer): Promise<string> {
  if (answer.kind !== 'object' || !Buffer.isBuffer(answer.body)) throw new Error(`not a playlist answer: ${JSON.stringify(answer)}`);
  return answer.body.toString('utf8');
}

describe.each(availableBackends())('shared playlists on S3 (%s)', (backend) => {
  let s3: TestS3;
  let server: TestServer;
  let lawyer: TestClient;
  let lawyer2: TestClient;
  let lectureId: string;
  /** every request the API's HTTP server received, in order */
  const apiRequests: string[] = [];

  beforeAll(async () => {
    s3 = await startTestS3();
    server = await startTestServer({
      backend,
      env: { S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' },
    });
    server.app.server.on('request', (request: IncomingMessage) => apiRequests.push(`${request.method} ${request.url}`));
    lectureId = await createReadyLecture(server, { seconds: 12 });
    lawyer = createTestClient(server.baseUrl);
    lawyer2 = createTestClient(server.baseUrl);
    await lawyer.login('lawyer', 'lectern-demo');
    await lawyer2.login('lawyer2', 'lectern-demo');
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  async function openSession(client: TestClient) {
    return client.expectStatus(201, client.openSession(lectureId));
  }

  it('plays every segment straight from the store: no API request per segment', async () => {
    const session = await openSession(lawyer);
    const masterUrl = new URL(session.media.master, server.baseUrl);
    const master = await fetch(masterUrl);
    expect(master.status).toBe(200);
    const variants = urisOf(await master.text());
    expect(variants.length).toBeGreaterThanOrEqual(2); // renditions and the audio group
    for (const variant of variants) expect(variant, 'the master names playlists relatively, under the signed path').not.toMatch(/^https?:/);

    const segmentUrls: string[] = [];
    for (const variant of variants) {
      const answer = await fetch(new URL(variant, masterUrl));
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
      const uris = urisOf(await answer.text());
      expect(uris.length).toBeGreaterThan(2);
      for (const uri of uris) {
        expect(uri.startsWith(`${s3.endpoint}/${s3.bucket}/lectures/${lectureId}/`), uri).toBe(true);
        expect(uri).toContain('X-Amz-Signature=');
      }
      segmentUrls.push(...uris);
    }

    const before = apiRequests.length;
    for (const url of segmentUrls) {
      const segment = await fetch(url);
      expect(segment.status, url).toBe(200);
      expect(segment.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const key = decodeURIComponent(new URL(url).pathname.slice(`/${s3.bucket}/`.length));
      const stored = await server.deps.storage.get(key);
      const chunks: Buffer[] = [];
      for await (const chunk of stored.body) chunks.push(chunk as Buffer);
      expect(Buffer.from(await segment.arrayBuffer()).equals(Buffer.concat(chunks)), key).toBe(true);
    }
    expect(apiRequests.slice(before), 'API requests while fetching the segments').toEqual([]);
    // the API still takes the heartbeats
    await lawyer.expectStatus(200, lawyer.sendHeartbeat(session.sessionId, { seq: 0, intervals: [[0, 4]], position: 4, playbackRate: 1, visible: true }));
  });

  it('gives two viewers of one window the same playlist bytes, built once, cacheable until the window ends', async () => {
    const [a, b] = [await openSession(lawyer), await openSession(lawyer2)];
    expect(a.media.master).toBe(b.media.master);
    const media = server.app.services.media;
    const builds = media.playlists.builds;
    const variant = new URL('audio.m3u8', new URL(a.media.audio, server.baseUrl));
    const answers = await Promise.all([
      lawyer.raw('GET', variant.pathname),
      lawyer2.raw('GET', variant.pathname),
      fetch(variant, { headers: { 'accept-encoding': 'identity' } }),
      fetch(variant, { headers: { 'accept-encoding': 'gzip' } }),
    ]);
    const texts = [answers[0]!.text, answers[1]!.text, await answers[2]!.text(), await answers[3]!.text()];
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toContain('X-Amz-Signature=');
    expect(media.playlists.builds - builds).toBeLessThanOrEqual(1); // once per window (it may already have been built)
    const identity = answers[2]!;
    expect(answers[3]!.headers.get('etag')).toBe(identity.headers.get('etag'));
    const maxAge = Number(/max-age=(\d+)/.exec(identity.headers.get('cache-control') ?? '')?.[1]);
    const now = nowSeconds();
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(windowOf(now).end - now + 1);
    // every presigned URL in it stays valid at least one whole window past the end of the cache life
    for (const uri of urisOf(texts[0]!)) {
      const url = new URL(uri);
      const validUntil = Date.parse(url.searchParams.get('X-Amz-Date')!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')) / 1000 + Number(url.searchParams.get('X-Amz-Expires'));
      expect(validUntil).toBe(windowOf(now).end + SHARED_WINDOW_SECONDS);
    }
    const notModified = await fetch(variant, { headers: { 'if-none-match': identity.headers.get('etag')! } });
    expect(notModified.status).toBe(304);
  });

  it('changes the playlist in the next window, and links of past windows no longer open', async () => {
    let clock = nowSeconds();
    const media = new MediaService(server.deps.storage, server.deps.config.sessionSecret, { clock: () => clock });
    const [row] = rowsOf<{ package_prefix: string }>(await server.deps.db.execute(sql`SELECT package_prefix FROM lectures WHERE id = ${lectureId}`));
    const prefix = row!.package_prefix;
    const link = (at: number) => {
      const master = mediaUrls(server.deps.config.sessionSecret, prefix, '', at).master;
      const [, exp, sig] = /\/api\/media\/(\d+)\/([^/]+)\//.exec(master)!;
      return { exp: exp!, sig: sig!, key: `${prefix}audio.m3u8`, method: 'GET' as const, acceptEncoding: 'identity' };
    };
    const thisWindow = await bodyText(await media.answer(link(clock)));
    expect(await bodyText(await media.answer(link(clock + 60)))).toBe(thisWindow);
    clock = windowOf(clock).end + 1;
    const nextWindow = await bodyText(await media.answer(link(clock)));
    expect(nextWindow).not.toBe(thisWindow);
    expect(urisOf(nextWindow).map((u) => new URL(u).pathname)).toEqual(urisOf(thisWindow).map((u) => new URL(u).pathname));

    // a playlist from two windows back: its segment URLs have expired at the store
    clock = nowSeconds() - 2 * SHARED_WINDOW_SECONDS - 60;
    const old = await bodyText(await media.answer(link(clock)));
    const first = urisOf(old)[0]!;
    const refused = await fetch(first);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Request has expired');
    // and the API link itself expires
    clock = nowSeconds();
    const expired = await media.answer({ ...link(nowSeconds() - 13 * 3600) });
    expect(expired).toMatchObject({ kind: 'error', status: 403, error: 'expired' });
  });

  it('with S3_SHARED_PLAYLISTS=false: the stored, small playlist, and each segment a 302 through the API', async () => {
    const media = new MediaService(server.deps.storage, server.deps.config.sessionSecret, { sharedPlaylists: false });
    const [row] = rowsOf<{ package_prefix: string }>(await server.deps.db.execute(sql`SELECT package_prefix FROM lectures WHERE id = ${lectureId}`));
    const prefix = row!.package_prefix;
    const master = mediaUrls(server.deps.config.sessionSecret, prefix, '', nowSeconds()).master;
    const [, exp, sig] = /\/api\/media\/(\d+)\/([^/]+)\//.exec(master)!;
    const playlist = await media.answer({ exp: exp!, sig: sig!, key: `${prefix}audio.m3u8`, method: 'GET' });
    expect(playlist).toMatchObject({ kind: 'object', status: 200, headers: { 'cache-control': 'private, max-age=60' } });
    const chunks: Buffer[] = [];
    if (playlist.kind === 'object' && playlist.body) for await (const chunk of playlist.body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
    const text = Buffer.concat(chunks).toString('utf8');
    const uris = urisOf(text);
    expect(uris.length).toBeGreaterThan(1);
    expect(uris.every((u) => !/^https?:/.test(u))).toBe(true); // relative, as the transcoder wrote them
    const segment = await media.answer({ exp: exp!, sig: sig!, key: `${prefix}audio/${uris[uris.length - 1]!.replace(/^audio\//, '')}`, method: 'GET' });
    expect(segment.kind).toBe('redirect');
  });

  it('gives no playlist to someone who may not watch the lecture', async () => {
    const anonymous = createTestClient(server.baseUrl);
    expect((await errorOf(anonymous.openSession(lectureId))).status).toBe(401);
    await server.deps.db.execute(sql`UPDATE lectures SET hidden = true WHERE id = ${lectureId}`);
    try {
      expect((await errorOf(lawyer.openSession(lectureId))).status).toBe(404);
    } finally {
      await server.deps.db.execute(sql`UPDATE lectures SET hidden = false WHERE id = ${lectureId}`);
    }
    // without the session's link: a guessed or forged media path
    const session = await openSession(lawyer);
    const forged = session.media.master.replace(/\/([A-Za-z0-9_-]{43})\//, (_, sig: string) => `/${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}/`);
    for (const path of [forged.replace('master.m3u8', 'audio.m3u8'), `/api/media/${windowOf(nowSeconds()).end}/${'A'.repeat(43)}/lectures/${lectureId}/x/audio.m3u8`]) {
      const answer = await anonymous.raw('GET', path);
      expect(answer.status, path).toBe(403);
      expect(answer.json).toMatchObject({ error: 'bad_signature' });
    }
  });
});
