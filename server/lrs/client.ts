/**
 * One POST of statements to the LRS's statements resource (xAPI 1.0.3, basic auth), and what its
 * answer means for the outbox. The outcome carries a machine code and safe text only ("HTTP 503"):
 * never the LRS's address, the credentials or the LRS's own body, so it can be stored and shown.
 */
import type { LrsConfig } from '../config.ts';
import type { LrsErrorCode } from './schemas.ts';

export type { LrsErrorCode };

export type DeliveryOutcome =
  /** stored (200), or already there under this id (409 for a single statement) */
  | { kind: 'sent' }
  /** worth trying again later: network, timeout, 5xx, 429 */
  | { kind: 'retry'; code: LrsErrorCode; detail: string; retryAfterSeconds?: number }
  /** the LRS refuses this: a person must act (credentials, endpoint, the statement) */
  | { kind: 'fail'; code: LrsErrorCode; detail: string }
  /** 409 or 400 for a batch: one statement spoils it; send them one by one to find which */
  | { kind: 'split'; code: LrsErrorCode; detail: string };


/** The English reason of each code (the web app words it in zh-CN and English from its catalogs). */
export const LRS_ERROR_TEXT: Record<LrsErrorCode, string> = {
  lrs_unreachable: 'The LRS could not be reached (connection refused or dropped); delivery is retried.',
  lrs_timeout: 'The LRS did not answer in time; delivery is retried.',
  lrs_unavailable: 'The LRS answered with a server error; delivery is retried.',
  lrs_rate_limited: 'The LRS asked to slow down (429); delivery is retried later.',
  lrs_unauthorized: 'The LRS refused the user name or password: check LRS_USERNAME and LRS_PASSWORD (the LRS key and secret), restart, then retry the failed statements.',
  lrs_not_found: 'The LRS has no statements resource at LRS_ENDPOINT: set it to the xAPI base URL (statements are posted to its /statements), restart, then retry the failed statements.',
  lrs_rejected: 'The LRS refused the statement as invalid.',
};

export function classify(status: number, retryAfter: string | null, batch: number): DeliveryOutcome {
  const detail = `HTTP ${status}`;
  if (status >= 200 && status < 300) return { kind: 'sent' };
  if (status === 409) return batch > 1 ? { kind: 'split', code: 'lrs_rejected', detail } : { kind: 'sent' };
  if (status === 429) {
    const seconds = retryAfter && /^\d{1,6}$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) : undefined;
    return { kind: 'retry', code: 'lrs_rate_limited', detail, ...(seconds !== undefined ? { retryAfterSeconds: seconds } : {}) };
  }
  if (status === 408) return { kind: 'retry', code: 'lrs_timeout', detail };
  if (status >= 500) return { kind: 'retry', code: 'lrs_unavailable', detail };
  if (status === 401 || status === 403) return { kind: 'fail', code: 'lrs_unauthorized', detail };
  if (status === 404 || status === 405) return { kind: 'fail', code: 'lrs_not_found', detail };
  if (batch > 1) return { kind: 'split', code: 'lrs_rejected', detail };
  return { kind: 'fail', code: 'lrs_rejected', detail };
}

export async function postStatements(config: LrsConfig, statements: unknown[], signal?: AbortSignal): Promise<DeliveryOutcome> {
  const timeout = AbortSignal.timeout(config.timeoutMs);
  let res: Response;
  try {
    res = await fetch(`${config.endpoint}/statements`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-experience-api-version': '1.0.3',
        authorization: `Basic ${Buffer.from(`${config.username}:${config.password}`, 'utf8').toString('base64')}`,
      },
      body: JSON.stringify(statements),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'error',
    });
    // the body is read (and dropped) so the connection can be reused; a drop mid-body is a network error
    await res.arrayBuffer();
  } catch {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) return { kind: 'retry', code: 'lrs_timeout', detail: `no answer in ${config.timeoutMs} ms` };
    return { kind: 'retry', code: 'lrs_unreachable', detail: 'connection failed' };
  }
  return classify(res.status, res.headers.get('retry-after'), statements.length);
}

/** Delay before attempt `attempts + 1`: retrySeconds doubling per failure, at most an hour. */
export function backoffSeconds(retrySeconds: number, attempts: number): number {
  return Math.min(3600, retrySeconds * 2 ** Math.min(20, Math.max(0, attempts - 1)));
}
