/**
 * The built web app's files are sent precompressed (web/precompress.ts at build, @fastify/static
 * `preCompressed`): brotli 11 to a browser that takes br, gzip 9 to one that takes only gzip,
 * the plain file otherwise; never compressed a second time on the way out, and the bytes are the
 * file's once decoded. The hashed assets keep their year-long cache.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webDist } from '../../server/web.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let entry = '';

beforeAll(async () => {
  server = await startTestServer({ serveWeb: true });
  const shell = await readFile(path.join(webDist, 'index.html'), 'utf8');
  entry = shell.match(/<script type="module"[^>]*src="(\/assets\/[^"]+\.js)"/)![1]!;
});
afterAll(() => server?.close());

const get = (url: string, acceptEncoding: string) => fetch(new URL(url, server.baseUrl), { headers: { 'accept-encoding': acceptEncoding } });

describe('web assets', () => {
  it('sends the brotli-11 file to a browser that accepts br, and it decodes to the built file', async () => {
    const res = await get(entry, 'gzip, deflate, br');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    // fetch decodes br itself: compare with the plain file, and the wire size with the .br file
    const file = path.join(webDist, entry);
    expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(file))).toBe(true);
    const br = await readFile(`${file}.br`);
    expect(brotliDecompressSync(br).equals(await readFile(file))).toBe(true);
    expect(br.length).toBeLessThan((await stat(file)).size / 2);
  });

  it('sends the gzip-9 file to a browser without br, and the plain file to one that takes neither', async () => {
    const file = path.join(webDist, entry);
    const gz = await get(entry, 'gzip');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(Buffer.from(await gz.arrayBuffer()).equals(await readFile(file))).toBe(true);
    expect(gunzipSync(await readFile(`${file}.gz`)).equals(await readFile(file))).toBe(true);

    const plain = await get(entry, 'identity');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(Number(plain.headers.get('content-length'))).toBe((await stat(file)).size);
  });

  it('answers the wire bytes of the .br file, not a second compression', async () => {
    // node's http client does not decode: the body on the wire must be exactly the .br file
    const { request } = await import('node:http');
    const wire = await new Promise<Buffer>((resolve, reject) => {
      const req = request(new URL(entry, server.baseUrl), { headers: { 'accept-encoding': 'br' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      });
      req.on('error', reject);
      req.end();
    });
    expect(wire.equals(await readFile(path.join(webDist, `${entry}.br`)))).toBe(true);
  });

  it('keeps the entry within the bundle budget: 40 kB gzip with what it preloads (docs/web.md, "Size budget")', async () => {
    const shell = await readFile(path.join(webDist, 'index.html'), 'utf8');
    // the entry script and the chunks the shell preloads: what every first visit fetches before a page
    const files = [entry, ...[...shell.matchAll(/rel="modulepreload"[^>]*href="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!)];
    let gz = 0;
    for (const file of files) gz += (await stat(path.join(webDist, `${file}.gz`))).size;
    console.info(`[web-assets] entry ${files.join(' + ')}: ${(gz / 1000).toFixed(2)} kB gzip-9`);
    expect(gz).toBeLessThanOrEqual(40_000);
  });
});
