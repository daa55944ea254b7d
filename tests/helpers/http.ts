/**
 * The typed API client for tests: the same ApiClient the web app uses, with a fetch that keeps
 * cookies like a browser (a tiny jar: name=value from Set-Cookie, sent back as Cookie), plus
 * `raw()` for requests the typed client would never make (malformed bodies, odd headers).
 *
 *   const client = createTestClient(server.baseUrl);
 *   await client.login('lawyer', 'lectern-demo');
 *   const me = await client.me();
 *   const res = await client.raw('POST', '/api/auth/login', '{"login":', { 'content-type': 'application/json' });
 */
import { ApiClient, ApiError as ApiErrorClass } from '../../web/src/lib/api/client.ts';

export { ApiClient, ApiError } from '../../web/src/lib/api/client.ts';

export interface RawResponse {
  status: number;
  headers: Headers;
  /** the body as text (always read) */
  text: string;
  /** the parsed body when it is JSON, else undefined */
  json: unknown;
}

/** Cookies of one "browser": name → value, without attributes (tests run on one host). */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Takes the Set-Cookie headers of a response; an expired or emptied cookie is dropped. */
  store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', val = ''] = attribute.split('=').map((part) => part.trim());
        if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  clear(): void {
    this.cookies.clear();
  }
}

export class TestClient extends ApiClient {
  readonly jar: CookieJar;
  /**
   * The status of the last answer a typed call of this client got (201 vs 200, 202…): a typed
   * call resolves on any 2xx, so a test that cares about which one reads it right after the call.
   */
  get lastStatus(): number | undefined {
    return this.answered.status;
  }
  private readonly answered: { status: number | undefined };

  constructor(baseUrl: string, jar = new CookieJar()) {
    const answered: { status: number | undefined } = { status: undefined };
    const cookieFetch: typeof fetch = async (input, init = {}) => {
      const headers = new Headers(init.headers);
      const cookie = jar.header();
      if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
      const response = await fetch(input, { ...init, headers });
      jar.store(response.headers);
      answered.status = response.status;
      return response;
    };
    super({ baseUrl, fetch: cookieFetch });
    this.jar = jar;
    this.answered = answered;
  }

  /** A typed call's value, after checking the exact 2xx status it was answered with. */
  async expectStatus<T>(status: number, call: Promise<T>): Promise<T> {
    const value = await call;
    if (this.lastStatus !== status) throw new Error(`expected HTTP ${status}, got ${this.lastStatus}`);
    return value;
  }

  /**
   * Any request, answered as is (no throwing on 4xx/5xx, redirects not followed). An object
   * body is sent as JSON; a string is sent verbatim (give a content-type header for it).
   */
  async raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
    const requestHeaders = new Headers(headers);
    let payload: string | undefined;
    if (typeof body === 'string') {
      payload = body;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      if (!requestHeaders.has('content-type')) requestHeaders.set('content-type', 'application/json');
    }
    const cookie = this.jar.header();
    if (cookie && !requestHeaders.has('cookie')) requestHeaders.set('cookie', cookie);
    const init: RequestInit = { method, headers: requestHeaders, redirect: 'manual' };
    if (payload !== undefined) init.body = payload;
    const response = await fetch(`${this.baseUrl}${path}`, init);
    this.jar.store(response.headers);
    const text = await response.text();
    let json: unknown = undefined;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  /** A second client that starts with this one's cookies (e.g. two tabs of one user). */
  fork(): TestClient {
    const jar = new CookieJar();
    for (const [name, value] of this.jar.cookies) jar.cookies.set(name, value);
    return new TestClient(this.baseUrl, jar);
  }
}

/** A client with its own cookie jar: one simulated browser. */
export function createTestClient(baseUrl: string): TestClient {
  return new TestClient(baseUrl);
}

/** A client of its own, already logged in as `login`. */
export async function signedInClient(baseUrl: string, login: string, password: string): Promise<TestClient> {
  const client = createTestClient(baseUrl);
  await client.login(login, password);
  return client;
}

/** The ApiError a typed call must fail with (anything else, or success, fails the test). */
export async function errorOf(promise: Promise<unknown>): Promise<ApiErrorClass> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiErrorClass) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

/** How a typed call ended, for calls racing each other: its value, or the ApiError's status and code. */
export type Settled<T> = { ok: true; value: T } | { ok: false; status: number; code: string };

export async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (error instanceof ApiErrorClass) return { ok: false, status: error.status, code: error.code };
    throw error;
  }
}
