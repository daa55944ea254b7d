/**
 * Fast SigV4 query presigning for `GET` of one object (docs/storage.md, "Shared playlists").
 *
 * The SDK's `getSignedUrl` costs ~0.7 ms of CPU per URL (a middleware stack, credential and
 * endpoint resolution each time). A rewritten playlist of a 2-hour lecture names ~1,200 segments, so
 * signing it through the SDK would hold the event loop for most of a second. The signature itself
 * is one SHA-256 and one HMAC over a short canonical request, with a signing key derived once per
 * day: a few microseconds.
 *
 * What is not re-implemented: where the object lives. The base URL (scheme, host, virtual-host or
 * path style, the public endpoint) is taken once from an SDK-presigned probe URL, so endpoint rules
 * stay the SDK's. Only static credentials are signed here; with the SDK's default chain (temporary
 * credentials, a session token) the caller keeps using the SDK. `tests/unit/presign.test.ts` checks
 * the URL against `getSignedUrl` byte for byte. Pure apart from node:crypto.
 */
import { createHash, createHmac } from 'node:crypto';

/** RFC 3986 unreserved characters stay; everything else is %XX (SigV4's UriEncode). */
export function uriEncode(text: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function amzDate(seconds: number): { date: string; stamp: string } {
  const iso = new Date(seconds * 1000).toISOString(); // 2026-12-03T11:00:00.000Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return { date: stamp.slice(0, 8), stamp };
}

export interface PresignBase {
  /** everything before the key: `http://127.0.0.1:9000/bucket/` or `https://b.s3.eu-central-1.amazonaws.com/` */
  base: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface PresignRequest {
  key: string;
  /** Unix seconds the signature is dated (X-Amz-Date) */
  signedAt: number;
  /** seconds from `signedAt` (X-Amz-Expires, at most 604800) */
  expiresIn: number;
  /** response-* overrides: S3 answers with these headers */
  cacheControl?: string;
  contentType?: string;
  contentDisposition?: string;
  /** more query parameters to sign (the SDK adds `x-id=GetObject`; the comparison test passes it) */
  extra?: Record<string, string>;
}

export class SigV4Presigner {
  private readonly host: string;
  private readonly origin: string;
  /** the base's path, already encoded as the SDK wrote it: `/bucket/` or `/` */
  private readonly basePath: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly options: PresignBase) {
    const url = new URL(options.base);
    this.host = url.host;
    this.origin = url.origin;
    this.basePath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  }

  private signingKey(date: string): Buffer {
    let key = this.keys.get(date);
    if (!key) {
      const hmac = (k: string | Buffer, data: string) => createHmac('sha256', k).update(data).digest();
      key = hmac(hmac(hmac(hmac(`AWS4${this.options.secretAccessKey}`, date), this.options.region), 's3'), 'aws4_request');
      if (this.keys.size > 8) this.keys.clear();
      this.keys.set(date, key);
    }
    return key;
  }

  url(request: PresignRequest): string {
    const { date, stamp } = amzDate(request.signedAt);
    const scope = `${date}/${this.options.region}/s3/aws4_request`;
    const params: [string, string][] = [
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
      ['X-Amz-Credential', `${this.options.accessKeyId}/${scope}`],
      ['X-Amz-Date', stamp],
      ['X-Amz-Expires', String(request.expiresIn)],
      ['X-Amz-SignedHeaders', 'host'],
    ];
    if (request.cacheControl !== undefined) params.push(['response-cache-control', request.cacheControl]);
    if (request.contentDisposition !== undefined) params.push(['response-content-disposition', request.contentDisposition]);
    if (request.contentType !== undefined) params.push(['response-content-type', request.contentType]);
    for (const [name, value] of Object.entries(request.extra ?? {})) params.push([name, value]);
    const encoded = params.map(([name, value]) => [uriEncode(name), uriEncode(value)] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const query = encoded.map(([name, value]) => `${name}=${value}`).join('&');
    const path = `${this.basePath}${uriEncode(request.key, true)}`;
    const canonical = `GET\n${path}\n${query}\nhost:${this.host}\n\nhost\nUNSIGNED-PAYLOAD`;
    const toSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey(date)).update(toSign).digest('hex');
    return `${this.origin}${path}?${query}&X-Amz-Signature=${signature}`;
  }
}

/** The key-independent start of an SDK-presigned URL for `probeKey` (see SigV4Presigner). */
export function baseOfPresigned(url: string, probeKey: string): string | null {
  const parsed = new URL(url);
  if (parsed.searchParams.has('X-Amz-Security-Token')) return null; // temporary credentials: leave it to the SDK
  const suffix = `/${uriEncode(probeKey, true)}`;
  if (!parsed.pathname.endsWith(suffix)) return null;
  return `${parsed.origin}${parsed.pathname.slice(0, -suffix.length)}/`;
}
