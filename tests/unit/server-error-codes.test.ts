/**
 * Every error code the API can answer with has a sentence in both catalogs (issue 11: "every
 * server error code has a zh-CN and English message"). The codes are read from the server's
 * sources the way they are written there: `new HttpError(status, 'code', …)`, the `conflict` and
 * `badRequest` helpers, literal `{ error: 'code' }` answers and the tus endpoint's table. A new
 * code without its sentences fails here, not in front of a lawyer.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import zhCNShell from '../../web/src/lib/i18n/zh-CN.ts';
import zhCNStaff from '../../web/src/lib/i18n/zh-CN-staff.ts';
import en from '../../web/src/lib/i18n/en.ts';

/** the shell's strings and the staff pages' (loaded with /admin and /teach): the whole zh-CN catalog */
const zhCN: Record<string, string> = { ...zhCNShell, ...zhCNStaff };
const SERVER = path.resolve(import.meta.dirname, '../../server');

/** answered with a sentence chosen by status, not by code (lib/i18n/error-text.ts) */
const BY_STATUS: Record<string, string> = {
  internal: 'a 5xx: the generic server sentence, with the code in small print for support',
  forbidden: 'a 403: the permission sentence (app.error.forbidden)',
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

const PATTERNS = [
  /new HttpError\(\s*\d{3},\s*'([a-z0-9_]+)'/g,
  /\b(?:conflict|badRequest)\(\s*'([a-z0-9_]+)'/g,
  /\berror:\s*'([a-z0-9_]+)'/g,
  /\bstatus:\s*\d{3},\s*code:\s*'([a-z0-9_]+)'/g,
];

function apiErrorCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of sources(SERVER)) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of PATTERNS) for (const match of text.matchAll(pattern)) codes.add(match[1]!);
    // Fastify's own 4xx, renamed in the error handler (app.ts: `code === 'FST_ERR_…' ? 'ours' : …`)
    for (const line of text.split('\n').filter((l) => l.includes("'FST_ERR_"))) for (const match of line.matchAll(/'([a-z][a-z0-9_]+)'/g)) codes.add(match[1]!);
    // the tus endpoint answers { error: code } from its own table
    if (file.endsWith(path.join('uploads', 'tus-errors.ts'))) for (const match of text.matchAll(/\bcode:\s*'([a-z0-9_]+)'/g)) codes.add(match[1]!);
  }
  return codes;
}

describe('server error codes', () => {
  const codes = apiErrorCodes();

  test('the scan finds the codes (a broken pattern would pass everything)', () => {
    for (const code of ['not_found', 'unready_lectures', 'upload_busy', 'database_unavailable', 'cross_site_request', 'body_too_large', 'bad_request']) expect(codes, code).toContain(code);
    expect(codes.size).toBeGreaterThan(60);
  });

  test('each has a zh-CN and an English sentence, or is answered by its status', () => {
    const missing = [...codes].filter((code) => !BY_STATUS[code]).flatMap((code) => {
      const key = `serverError.${code}`;
      return [...(key in zhCN ? [] : [`zh-CN ${key}`]), ...(key in en ? [] : [`en ${key}`])];
    });
    expect(missing).toEqual([]);
  });

  test('the Chinese sentences are Chinese', () => {
    for (const code of codes) {
      const text = zhCN[`serverError.${code}`];
      if (text) expect(text, code).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
