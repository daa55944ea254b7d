/**
 * A real learning record store's statements resource for tests: POST {base}/statements with basic
 * auth and `X-Experience-API-Version: 1.0.3`, each statement checked with xapi-validation and
 * stored by id (a same-content resend changes nothing, a different content under a known id is a
 * 409, as xAPI 1.0.3 says). It can be told to answer 503, drop connections or expect other
 * credentials for a while.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import xapiValidation from 'xapi-validation';

const validate = ((xapiValidation as unknown as { default?: unknown }).default ?? xapiValidation) as (statement: unknown) => unknown[];

export type LrsMode = 'ok' | 'unavailable' | 'drop';

export interface TestLrs {
  /** the xAPI base URL (LRS_ENDPOINT) */
  endpoint: string;
  mode: LrsMode;
  username: string;
  password: string;
  /** stored statements by id */
  stored: Map<string, unknown>;
  /** how many times each id was posted and accepted as new (exactly once expected) */
  storedTimes: Map<string, number>;
  /** ids posted again with different content */
  conflicts: string[];
  invalid: unknown[];
  requests: { status: number; count: number }[];
  close(): Promise<void>;
}

export async function startTestLrs(credentials: { username: string; password: string }): Promise<TestLrs> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024 });
  const lrs = { mode: 'ok' as LrsMode, ...credentials, stored: new Map<string, unknown>(), storedTimes: new Map<string, number>(), conflicts: [] as string[], invalid: [] as unknown[], requests: [] as { status: number; count: number }[] };
  app.post('/xapi/statements', async (request, reply) => {
    const answer = (status: number, body: unknown, count = 0) => {
      lrs.requests.push({ status, count });
      return reply.code(status).send(body);
    };
    if (lrs.mode === 'drop') {
      request.raw.socket.destroy();
      return reply;
    }
    if (lrs.mode === 'unavailable') return answer(503, { message: 'maintenance' });
    if (request.headers['x-experience-api-version'] !== '1.0.3') return answer(400, { message: 'X-Experience-API-Version 1.0.3 expected' });
    const expected = `Basic ${Buffer.from(`${lrs.username}:${lrs.password}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return answer(401, { message: 'Unauthorized' });
    const statements = (Array.isArray(request.body) ? request.body : [request.body]) as { id?: string }[];
    const ids = statements.map((s) => s.id);
    if (new Set(ids).size !== ids.length) return answer(400, { message: 'duplicate ids in one batch' }, statements.length);
    for (const s of statements) {
      const warnings = validate(s);
      if (warnings.length) {
        lrs.invalid.push({ s, warnings });
        return answer(400, { message: 'invalid statement' }, statements.length);
      }
    }
    for (const s of statements) {
      const known = lrs.stored.get(s.id!);
      if (known !== undefined && JSON.stringify(known) !== JSON.stringify(s)) {
        lrs.conflicts.push(s.id!);
        return answer(409, { message: 'conflict' }, statements.length);
      }
    }
    for (const s of statements) {
      if (lrs.stored.has(s.id!)) continue;
      lrs.stored.set(s.id!, s);
      lrs.storedTimes.set(s.id!, (lrs.storedTimes.get(s.id!) ?? 0) + 1);
    }
    return answer(200, ids, statements.length);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(lrs, { endpoint: `http://127.0.0.1:${port}/xapi`, close: () => app.close() });
}
