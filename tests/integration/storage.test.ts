/**
 * One contract, both drivers: the local folder and S3 (a real s3rver on a random port). Then the
 * media route on top of each: prefix-signed links, relative HLS URLs, ranges, caching, redirects.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import compress from '@fastify/compress';
import { LocalStorage } from '../../server/storage/local.ts';
import { S3Storage } from '../../server/storage/s3.ts';
import { createStorage } from '../../server/storage/index.ts';
import { signPrefix } from '../../server/storage/signing.ts';
import type { Storage } from '../../server/storage/types.ts';
import type { Config } from '../../server/config.ts';
import mediaRoutes from '../../server/media/routes.ts';
import { mediaUrls } from '../../server/media/service.ts';
import { decorateForMediaRoute } from '../helpers/media-route.ts';
import { startTestS3, type TestS3 } from '../helpers/s3.ts';
import { startTestServer } from '../helpers/server.ts';

const secret = 'storage-test-secret-0123456789abcdef0123456789';

interface Harness {
  /** the storage under test; its signed URLs point at `origin` */
  storage: Storage;
  /** where the media route listens */
  origin: string;
  /** local only: the storage folder */
  root?: string;
  close(): Promise<void>;
}

/** A tiny Fastify with only the media route, as app.ts registers it (prefix /api, app.deps). */
async function mediaServer(storage: Storage): Promise<{ app: FastifyInstance; origin: string }> {
  const app = Fastify({ logger: false });
  decorateForMediaRoute(app, storage, secret);
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  await app.register(mediaRoutes, { prefix: '/api' });
  const origin = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, origin };
}

async function localHarness(): Promise<Harness> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lectern-storage-'));
  // The route only reads; a second instance on the same folder can carry the server's origin for links.
  const { app, origin } = await mediaServer(new LocalStorage({ root, secret, publicUrl: 'http://unused.invalid' }));
  const storage = new LocalStorage({ root, secret, publicUrl: origin });
  return {
    storage,
    origin,
    root,
    async close() {
      await app.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function s3Harness(): Promise<Harness> {
  const s3: TestS3 = await startTestS3();
  const storage = new S3Storage(s3.config);
  const { app, origin } = await mediaServer(storage);
  return {
    storage,
    origin,
    async close() {
      await app.close();
      await s3.close();
    },
  };
}

async function text(body: Readable): Promise<string> {
  return (await buffer(body)).toString('utf8');
}

async function buffer(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** `mib` MiB of deterministic, non-repeating-per-MiB bytes, generated on the fly. */
function generated(mib: number, failAfterMib?: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < mib; i++) {
        if (failAfterMib !== undefined && i === failAfterMib) throw new Error('source failed mid-way');
        const block = Buffer.alloc(1024 * 1024);
        for (let j = 0; j < block.length; j += 4) block.writeUInt32LE((i * 262144 + j / 4) >>> 0, j);
        yield block;
      }
    })(),
  );
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const drivers: { name: 'local' | 's3'; start: () => Promise<Harness> }[] = [
  { name: 'local', start: localHarness },
  { name: 's3', start: s3Harness },
];

describe.each(drivers)('storage contract on the $name driver', ({ name, start }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await start();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reports its driver', () => {
    expect(h.storage.driver).toBe(name);
  });

  it('puts a string, a buffer and a stream, and reads them back', async () => {
    expect(await h.storage.put('t/put/a.txt', 'héllo')).toEqual({ bytes: 6 });
    expect(await h.storage.put('t/put/b.bin', Buffer.from([1, 2, 3]))).toEqual({ bytes: 3 });
    expect(await h.storage.put('t/put/c.json', Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]))).toEqual({ bytes: 7 });
    expect(await text((await h.storage.get('t/put/a.txt')).body)).toBe('héllo');
    expect([...(await buffer((await h.storage.get('t/put/b.bin')).body))]).toEqual([1, 2, 3]);
    const c = await h.storage.get('t/put/c.json');
    expect(c.bytes).toBe(7);
    expect(c.totalBytes).toBe(7);
    expect(c.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(await text(c.body))).toEqual({ a: 1 });
  });

  it('stores a file from disk and leaves the file where it was (finished uploads)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-putfile-'));
    try {
      const file = path.join(dir, 'upload');
      await writeFile(file, 'recorded lecture bytes');
      expect(await h.storage.putFile('t/putfile/original', file)).toEqual({ bytes: 22 });
      await unlink(file); // tus removes its copy once the upload is stored
      expect(await text((await h.storage.get('t/putfile/original')).body)).toBe('recorded lecture bytes');
      await expect(h.storage.putFile('t/putfile/missing', path.join(dir, 'nope'))).rejects.toThrow();
      expect(await h.storage.head('t/putfile/missing')).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('replaces an object whole', async () => {
    await h.storage.put('t/replace/x', 'first version, longer');
    await h.storage.put('t/replace/x', 'second');
    expect(await text((await h.storage.get('t/replace/x')).body)).toBe('second');
  });

  it('reads byte ranges: closed, open-ended, clamped; refuses one past the end', async () => {
    await h.storage.put('t/range/digits', '0123456789');
    const mid = await h.storage.get('t/range/digits', { start: 2, end: 5 });
    expect([mid.bytes, mid.totalBytes, await text(mid.body)]).toEqual([4, 10, '2345']);
    const tail = await h.storage.get('t/range/digits', { start: 7 });
    expect([tail.bytes, tail.totalBytes, await text(tail.body)]).toEqual([3, 10, '789']);
    const clamped = await h.storage.get('t/range/digits', { start: 8, end: 99 });
    expect([clamped.bytes, await text(clamped.body)]).toEqual([2, '89']);
    await expect(h.storage.get('t/range/digits', { start: 10 })).rejects.toMatchObject({ code: 'range_not_satisfiable', totalBytes: 10 });
  });

  it('heads: size and type, or null when missing', async () => {
    await h.storage.put('t/head/poster.jpg', Buffer.alloc(1234, 7));
    expect(await h.storage.head('t/head/poster.jpg')).toEqual({ bytes: 1234, contentType: 'image/jpeg' });
    expect(await h.storage.head('t/head/none.jpg')).toBeNull();
  });

  it('a missing key is not_found', async () => {
    await expect(h.storage.get('t/missing/nothing.m4s')).rejects.toMatchObject({ code: 'not_found' });
    await expect(h.storage.get('t/missing/nothing.m4s', { start: 0, end: 1 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lists by prefix in key order, folder or partial name, without neighbours', async () => {
    for (const key of ['t/list/p1/b.m4s', 't/list/p1/a.m4s', 't/list/p1/360p/seg1.m4s', 't/list/p10/x', 't/list/p2/y']) {
      await h.storage.put(key, key);
    }
    expect(await h.storage.list('t/list/p1/')).toEqual([
      { key: 't/list/p1/360p/seg1.m4s', bytes: 23 },
      { key: 't/list/p1/a.m4s', bytes: 15 },
      { key: 't/list/p1/b.m4s', bytes: 15 },
    ]);
    expect((await h.storage.list('t/list/p1')).map((o) => o.key)).toEqual(['t/list/p1/360p/seg1.m4s', 't/list/p1/a.m4s', 't/list/p1/b.m4s', 't/list/p10/x']);
    expect(await h.storage.list('t/list/nothing/')).toEqual([]);
  });

  it('deletes a prefix and only that prefix, and answers how many', async () => {
    for (const key of ['t/del/pkg/master.m3u8', 't/del/pkg/360p/seg1.m4s', 't/del/pkg/360p/seg2.m4s', 't/del/pkg2/master.m3u8']) {
      await h.storage.put(key, 'x');
    }
    expect(await h.storage.deletePrefix('t/del/pkg/')).toBe(3);
    expect(await h.storage.list('t/del/')).toEqual([{ key: 't/del/pkg2/master.m3u8', bytes: 1 }]);
    expect(await h.storage.deletePrefix('t/del/pkg/')).toBe(0);
    if (h.root) {
      // the local driver leaves no empty folders behind
      expect(await readdir(path.join(h.root, 't', 'del'))).toEqual(['pkg2']);
    }
  });

  it('refuses unsafe keys with a clear invalid_key error, before touching anything', async () => {
    const bad = ['../escape', 'a/../../b', '/etc/passwd', 'a\\b', 'a//b', 'a/./b', '', 'a/.hidden', 'trailing/'];
    for (const key of bad) {
      await expect(h.storage.put(key, 'x'), key).rejects.toMatchObject({ code: 'invalid_key', message: expect.stringContaining('invalid storage key') });
      await expect(h.storage.get(key), key).rejects.toMatchObject({ code: 'invalid_key' });
      await expect(h.storage.head(key), key).rejects.toMatchObject({ code: 'invalid_key' });
    }
    await expect(h.storage.deletePrefix('')).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(h.storage.deletePrefix('../')).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(h.storage.list('a/../')).rejects.toMatchObject({ code: 'invalid_key' });
  });

  it('checks that it is writable, leaving nothing behind', async () => {
    await h.storage.checkWritable();
    expect((await h.storage.list('')).some((o) => o.key.includes('probe'))).toBe(false);
  });

  it('gives a signed URL that anyone can fetch until it expires', async () => {
    await h.storage.put('t/signed/poster.jpg', Buffer.from('JPEGBYTES'));
    const url = await h.storage.signedUrl('t/signed/poster.jpg', 600);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const answer = await fetch(url);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('JPEGBYTES');
    // asked twice within the window: the same URL, so caches hit
    expect(await h.storage.signedUrl('t/signed/poster.jpg', 600)).toBe(url);
  });

  it('uploads a 12 MiB stream (multipart on S3) and reads it back exactly', async () => {
    const expected = await buffer(generated(12));
    expect(await h.storage.put('t/big/source.bin', generated(12))).toEqual({ bytes: 12 * 1024 * 1024 });
    expect(await h.storage.head('t/big/source.bin')).toMatchObject({ bytes: 12 * 1024 * 1024 });
    expect(sha256(await buffer((await h.storage.get('t/big/source.bin')).body))).toBe(sha256(expected));
    // across the 8 MiB part boundary
    const start = 8 * 1024 * 1024 - 10;
    const slice = await h.storage.get('t/big/source.bin', { start, end: start + 19 });
    expect((await buffer(slice.body)).equals(expected.subarray(start, start + 20))).toBe(true);
  });

  it('a put whose stream fails mid-way stores nothing and keeps the previous object', async () => {
    await h.storage.put('t/fail/original', 'the previous, intact object');
    // 9 MiB then an error: on S3 one 8 MiB part is already uploaded when the source fails
    await expect(h.storage.put('t/fail/original', generated(12, 9))).rejects.toThrow(/source failed mid-way/);
    expect(await text((await h.storage.get('t/fail/original')).body)).toBe('the previous, intact object');
    await expect(h.storage.put('t/fail/fresh', generated(12, 1))).rejects.toThrow(/source failed mid-way/);
    expect(await h.storage.head('t/fail/fresh')).toBeNull();
    expect((await h.storage.list('t/fail/')).map((o) => o.key)).toEqual(['t/fail/original']);
    if (h.root) {
      // no temp files left in the folder
      expect(await readdir(path.join(h.root, 't', 'fail'))).toEqual(['original']);
    }
  });

  // On S3 this crosses ListObjectsV2's 1000-key pages and DeleteObjects' 1000-key batches.
  it('lists and deletes 1100 keys under one prefix', async () => {
    const keys = Array.from({ length: 1100 }, (_, i) => `t/many/k${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => h.storage.put(key, 'x')));
    }
    const listed = await h.storage.list('t/many/');
    expect(listed.length).toBe(1100);
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(await h.storage.deletePrefix('t/many/')).toBe(1100);
    expect(await h.storage.list('t/many/')).toEqual([]);
  });
});

describe.each(drivers)('media route on the $name driver', ({ name, start }) => {
  let h: Harness;
  const prefix = 'lectures/L1/P1/';
  const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=200000\n360p/index.m3u8\n';
  const rendition = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\nseg1.m4s\n#EXT-X-ENDLIST\n';
  const segment = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));

  beforeAll(async () => {
    h = await start();
    await h.storage.put(`${prefix}master.m3u8`, master);
    await h.storage.put(`${prefix}360p/index.m3u8`, rendition);
    await h.storage.put(`${prefix}360p/seg1.m4s`, segment);
    await h.storage.put(`${prefix}poster.jpg`, Buffer.from('JPEG'));
    await h.storage.put('lectures/L1/P2/master.m3u8', '#EXTM3U\n');
  });
  afterAll(async () => {
    await h?.close();
  });

  const urls = () => mediaUrls(secret, prefix, h.origin);

  it('signs the four package files under one prefix', () => {
    const u = urls();
    expect(u.master).toMatch(/\/api\/media\/\d+\/[A-Za-z0-9_-]{43}\/lectures\/L1\/P1\/master\.m3u8$/);
    for (const [file, url] of [['audio.m3u8', u.audio], ['slides.json', u.slides], ['poster.jpg', u.poster]] as const) {
      expect(url).toBe(u.master.replace('master.m3u8', file));
    }
    // relative paths when no public URL is given
    expect(mediaUrls(secret, prefix).master.startsWith('/api/media/')).toBe(true);
  });

  it('serves playlists through the route with a short cache, and relative URLs resolve under the signed path', async () => {
    const answer = await fetch(urls().master);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    // S3: shared by every viewer of the window, so public (docs/storage.md, "Shared playlists")
    expect(answer.headers.get('cache-control')).toMatch(name === 's3' ? /^public, max-age=\d+$/ : /^private, max-age=60$/);
    expect(await answer.text()).toBe(master);
    const renditionUrl = new URL('360p/index.m3u8', urls().master);
    const second = await fetch(renditionUrl);
    expect(second.status).toBe(200);
    const text = await second.text();
    if (name === 'local') expect(text).toBe(rendition);
    // on S3 the segment is named by a presigned URL (tests/integration/shared-playlists.test.ts)
    else expect(text).toMatch(/^#EXTM3U\n#EXT-X-MAP:URI="http:\/\/127\.0\.0\.1:\d+\/[^"]+\/360p\/init\.mp4\?[^"]+"\n#EXTINF:2,\nhttp:\S+\/360p\/seg1\.m4s\?\S+X-Amz-Signature=[0-9a-f]{64}\n#EXT-X-ENDLIST\n$/);
    const segmentUrl = new URL('seg1.m4s', renditionUrl);
    const seg = await fetch(segmentUrl); // follows the S3 redirect
    expect(seg.status).toBe(200);
    expect(Buffer.from(await seg.arrayBuffer()).equals(segment)).toBe(true);
  });

  it(name === 's3' ? 'redirects segments to a presigned S3 URL, itself cacheable' : 'serves segments with an immutable cache and the right type', async () => {
    const segmentUrl = new URL('360p/seg1.m4s', urls().master);
    const answer = await fetch(segmentUrl, { redirect: 'manual' });
    if (name === 's3') {
      expect(answer.status).toBe(302);
      const location = answer.headers.get('location') ?? '';
      expect(location).toContain('X-Amz-Signature=');
      expect(location).toContain('/lectures/L1/P1/360p/seg1.m4s');
      expect(answer.headers.get('cache-control')).toBe('private, max-age=3600');
      const direct = await fetch(location, { headers: { range: 'bytes=100-199' } });
      expect(direct.status).toBe(206);
      // the presigned URL makes S3 answer with our caching and type, whatever the upload stored
      expect(direct.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(direct.headers.get('content-type')).toBe('video/iso.segment');
      expect(Buffer.from(await direct.arrayBuffer()).equals(segment.subarray(100, 200))).toBe(true);
    } else {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('video/iso.segment');
      expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(answer.headers.get('accept-ranges')).toBe('bytes');
      expect(answer.headers.get('content-length')).toBe('5000');
      await answer.arrayBuffer();
    }
  });

  it('answers ranges with 206 and Content-Range, 416 past the end, and HEAD without a body', async () => {
    // Through the route: on S3 playlists are the files served here, on local everything is.
    const key = name === 's3' ? 'master.m3u8' : '360p/seg1.m4s';
    const whole = name === 's3' ? Buffer.from(master) : segment;
    const url = new URL(key, urls().master);
    const part = await fetch(url, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(10, 20))).toBe(true);
    const suffix = await fetch(url, { headers: { range: 'bytes=-5' } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(whole.length - 5))).toBe(true);
    const beyond = await fetch(url, { headers: { range: `bytes=${whole.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${whole.length}`);
    expect(await beyond.json()).toMatchObject({ error: 'range_not_satisfiable' });
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(whole.length));
    expect(await head.text()).toBe('');
  });

  it('403 bad_signature for a tampered key, signature or expiry; 403 expired for an old link', async () => {
    const good = urls().master;
    const other = good.replace('/lectures/L1/P1/', '/lectures/L1/P2/');
    const sig = /\/api\/media\/\d+\/([^/]+)\//.exec(good)?.[1] ?? '';
    const wrongSig = good.replace(sig, (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    const exp = /\/api\/media\/(\d+)\//.exec(good)?.[1] ?? '';
    const laterExp = good.replace(`/${exp}/`, `/${Number(exp) + 3600}/`);
    for (const url of [other, wrongSig, laterExp]) {
      const answer = await fetch(url);
      expect(answer.status, url).toBe(403);
      expect(await answer.json()).toMatchObject({ error: 'bad_signature' });
    }
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = await fetch(`${h.origin}${signPrefix(secret, prefix, past)}master.m3u8`);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toMatchObject({ error: 'expired' });
  });

  it("403 for '..' traversal out of the signed prefix, however it is spelled", async () => {
    const base = urls().master.replace('master.m3u8', '');
    // fetch() would normalise a literal '..', so send the encoded forms the server must not trust
    for (const rel of ['%2e%2e/P2/master.m3u8', '%2E%2E/%2E%2E/L2/x/master.m3u8', '360p%2f..%2f..%2fP2%2fmaster.m3u8', '..%5cP2%5cmaster.m3u8']) {
      const answer = await fetch(base + rel);
      expect(answer.status, rel).toBe(403);
      expect(await answer.json()).toMatchObject({ error: 'bad_signature' });
    }
  });

  it('compresses long playlists (slow lines) but never segments', async () => {
    const long = `#EXTM3U\n${'#EXTINF:6.000,\nseg_00001.m4s\n'.repeat(600)}#EXT-X-ENDLIST\n`;
    await h.storage.put(`${prefix}long/index.m3u8`, long);
    const answer = await fetch(new URL('long/index.m3u8', urls().master), { headers: { 'accept-encoding': 'gzip, br' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-encoding')).toMatch(/^(br|gzip)$/);
    const body = await answer.text();
    if (name === 'local') expect(body).toBe(long);
    else expect(body.split('\n').filter((line) => line.includes('/long/seg_00001.m4s?') && line.includes('X-Amz-Signature='))).toHaveLength(600);
    if (name === 'local') {
      const seg = await fetch(new URL('360p/seg1.m4s', urls().master), { headers: { 'accept-encoding': 'gzip, br' } });
      expect(seg.headers.get('content-encoding')).toBeNull();
      await seg.arrayBuffer();
    }
  });

  it('404 for a missing object under a valid signature', async () => {
    const answer = await fetch(new URL('720p/index.m3u8', urls().master));
    expect(answer.status).toBe(404);
    expect(await answer.json()).toMatchObject({ error: 'not_found' });
  });
});

describe('createStorage', () => {
  it('chooses the local folder without S3 settings and S3 with them', () => {
    const base = { dataDir: path.join(os.tmpdir(), 'lectern-cs'), publicUrl: 'http://127.0.0.1:3000' } as Config;
    const local = createStorage(base, secret);
    expect(local.driver).toBe('local');
    expect((local as LocalStorage).root).toBe(path.join(os.tmpdir(), 'lectern-cs', 'storage'));
    const s3 = createStorage({ ...base, s3: { bucket: 'b', region: 'us-east-1', forcePathStyle: true, endpoint: 'http://127.0.0.1:9000' } }, secret);
    expect(s3.driver).toBe('s3');
  });
});

describe('S3 addressing', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

  it('signs AWS URLs virtual-host style, and path style for MinIO/s3rver endpoints', async () => {
    const aws = new S3Storage({ region: 'eu-central-1', bucket: 'lectern-media', forcePathStyle: false, ...credentials });
    expect(await aws.signedUrl('lectures/L/P/poster.jpg', 60)).toMatch(/^https:\/\/lectern-media\.s3\.eu-central-1\.amazonaws\.com\/lectures\/L\/P\/poster\.jpg\?/);
    const minio = new S3Storage({ region: 'us-east-1', bucket: 'lectern', endpoint: 'http://minio:9000', forcePathStyle: true, ...credentials });
    expect(await minio.signedUrl('lectures/L/P/poster.jpg', 60)).toMatch(/^http:\/\/minio:9000\/lectern\/lectures\/L\/P\/poster\.jpg\?/);
  });

  it('signs for the public endpoint when the browser reaches the store through another host', async () => {
    const s3 = new S3Storage({
      region: 'us-east-1',
      bucket: 'lectern',
      endpoint: 'http://minio:9000',
      publicEndpoint: 'https://media.example.org',
      forcePathStyle: true,
      ...credentials,
    });
    const url = new URL(await s3.signedUrl('lectures/L/P/360p/seg1.m4s', 3600, { cacheControl: 'public, max-age=60' }));
    expect(url.origin).toBe('https://media.example.org');
    expect(url.pathname).toBe('/lectern/lectures/L/P/360p/seg1.m4s');
    expect(url.searchParams.get('response-cache-control')).toBe('public, max-age=60');
    // signed as of the start of the hour, living the asked time plus that hour: stable within the hour
    expect(url.searchParams.get('X-Amz-Date')).toMatch(/T\d{2}0000Z$/);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(3600 + 3600));
  });
});

describe('media route when storage is down', () => {
  it('answers 503 storage_unavailable without internal details, never a 500', async () => {
    // port 1 on loopback: nothing listens, so every S3 call is refused
    const down = new S3Storage({ region: 'us-east-1', bucket: 'b', endpoint: 'http://127.0.0.1:1', forcePathStyle: true, accessKeyId: 'k', secretAccessKey: 's' });
    const { app, origin } = await mediaServer(down);
    try {
      const answer = await fetch(`${origin}${mediaUrls(secret, 'lectures/L/P/').master}`);
      expect(answer.status).toBe(503);
      const body = (await answer.json()) as { error: string; message: string };
      expect(body.error).toBe('storage_unavailable');
      expect(body.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    } finally {
      await app.close();
    }
  });
});

describe('the whole app on S3 (production wiring)', () => {
  it('reports healthy storage, and serves a package through helmet, compression and the signed route', async () => {
    const s3 = await startTestS3();
    const server = await startTestServer({
      env: { S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', SEED_DEMO: 'false' },
    });
    try {
      expect(server.deps.storage.driver).toBe('s3');
      const health = await fetch(`${server.baseUrl}/api/health`);
      expect(health.status).toBe(200);

      await server.deps.storage.put('lectures/W/P/master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n');
      await server.deps.storage.put('lectures/W/P/poster.jpg', Buffer.from('JPEG'));
      const links = mediaUrls(server.deps.config.sessionSecret, 'lectures/W/P/', server.baseUrl);
      const master = await fetch(links.master);
      expect(master.status).toBe(200);
      expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
      expect(master.headers.get('x-content-type-options')).toBe('nosniff');
      const poster = await fetch(links.poster, { redirect: 'manual' });
      expect(poster.status).toBe(302);
      expect(poster.headers.get('location')?.startsWith(`${s3.endpoint}/${s3.bucket}/lectures/W/P/poster.jpg?`)).toBe(true);
      expect(await (await fetch(links.poster)).text()).toBe('JPEG');
      const forged = await fetch(links.master.replace('/W/P/', '/W/Q/'));
      expect(forged.status).toBe(403);
      expect(await forged.json()).toMatchObject({ error: 'bad_signature' });
    } finally {
      await server.close();
      await s3.close();
    }
  });
});
