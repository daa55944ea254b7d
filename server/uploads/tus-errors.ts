/**
 * PURE: every error answer of the tus endpoint as `{ error, message }` with a stable code, like
 * the rest of the API. @tus/server writes plain-text bodies (its `ERRORS` table, plus a few
 * literal answers written before any handler runs: 412 without Tus-Resumable, 400 for headers
 * that fail its validators, 404 for other methods); routes.ts passes each status and body
 * through `tusErrorAnswer` before it is sent. Bodies that are already ours (JSON from the hooks)
 * pass unchanged; a body that is neither is never repeated, since @tus/server appends internal
 * error messages to its "unknown error" text.
 *
 * Some statuses differ from @tus/server's on purpose: a missing Upload-Offset or Content-Type is a
 * malformed request (400, not 403, which this API keeps for "not yours"); concatenation and
 * deferred lengths are refused as requests this server does not take (400, not 501: retrying
 * cannot help); a lock timeout is 423 so clients retry it.
 */
import { ERRORS } from '@tus/utils';
import { formatBytes } from './quota.ts';

export interface TusErrorAnswer {
  status: number;
  code: string;
  message: string;
}

type TusErrorName = keyof typeof ERRORS;

const TRY_AGAIN = 'Try again; if it keeps failing, contact the platform administrator.';

function known(name: TusErrorName, limits: { maxUploadBytes: number }): TusErrorAnswer {
  switch (name) {
    case 'MISSING_OFFSET':
      return { status: 400, code: 'invalid_upload_headers', message: 'The request needs an Upload-Offset header (where in the file these bytes start).' };
    case 'INVALID_CONTENT_TYPE':
      return { status: 400, code: 'invalid_upload_headers', message: 'File bytes must be sent with Content-Type: application/offset+octet-stream.' };
    case 'ABORTED':
      return { status: 400, code: 'upload_interrupted', message: 'The connection dropped or another request took over this upload. Ask where it stands (HEAD) and continue from there.' };
    case 'INVALID_TERMINATION':
      return { status: 400, code: 'upload_finished', message: 'This upload is complete and can no longer be cancelled.' };
    case 'ERR_LOCK_TIMEOUT':
      return { status: 423, code: 'upload_busy', message: 'Another request is still writing to this upload. Wait a moment and continue.' };
    case 'FILE_NOT_FOUND':
      return { status: 404, code: 'not_found', message: 'No such upload: it finished, was cancelled or expired. Start the upload again.' };
    case 'INVALID_OFFSET':
      return { status: 409, code: 'upload_offset_mismatch', message: 'These bytes do not start where the upload stands. Ask where it stands (HEAD) and continue from there.' };
    case 'FILE_NO_LONGER_EXISTS':
      return { status: 410, code: 'upload_expired', message: 'This unfinished upload has expired. Start the upload again.' };
    case 'ERR_SIZE_EXCEEDED':
      return { status: 413, code: 'upload_too_large', message: 'More bytes were sent than the upload declared.' };
    case 'ERR_MAX_SIZE_EXCEEDED':
      return { status: 413, code: 'upload_too_large', message: `The file is larger than the ${formatBytes(limits.maxUploadBytes)} an upload may have. Compress it or cut it into parts.` };
    case 'INVALID_LENGTH':
    case 'UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION':
      return { status: 400, code: 'upload_length_required', message: "Declare the file's size when the upload is created (Upload-Length); uploads of unknown length are not accepted." };
    case 'INVALID_METADATA':
      return { status: 400, code: 'invalid_metadata', message: 'Upload-Metadata must be comma-separated "key base64value" pairs with unique keys.' };
    case 'UNSUPPORTED_CONCATENATION_EXTENSION':
      return { status: 400, code: 'upload_concat_unsupported', message: 'Parallel (concatenated) uploads are not accepted; send the file as one upload.' };
    case 'UNKNOWN_ERROR':
    case 'FILE_WRITE_ERROR':
    case 'UNSUPPORTED_EXPIRATION_EXTENSION':
      return failed(500);
  }
}

function failed(status: number): TusErrorAnswer {
  return status >= 500
    ? { status, code: 'upload_failed', message: `The server could not handle this upload request. ${TRY_AGAIN}` }
    : { status, code: 'invalid_upload_request', message: 'The server could not handle this upload request; check the tus headers it carries.' };
}

/** Our own answers (hooks): `{"error":"snake_code","message":"…"}`. */
function ownAnswer(status: number, body: string): TusErrorAnswer | null {
  if (!body.startsWith('{')) return null;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { error, message } = parsed as Record<string, unknown>;
    if (typeof error !== 'string' || !/^[a-z_]+$/.test(error) || typeof message !== 'string') return null;
    return { status, code: error, message };
  } catch {
    return null;
  }
}

/** tus header names as the protocol writes them (upload-offset → Upload-Offset). */
function headerName(lowercase: string): string {
  return lowercase.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

export function tusErrorAnswer(status: number, body: string, limits: { maxUploadBytes: number }): TusErrorAnswer {
  const own = ownAnswer(status, body);
  if (own) return own;
  for (const name of Object.keys(ERRORS) as TusErrorName[]) {
    if (ERRORS[name].body === body) return known(name, limits);
  }
  if (body.startsWith(ERRORS.UNKNOWN_ERROR.body)) return failed(500);
  if (status === 412 && body.startsWith('Tus-Resumable Required')) {
    return { status: 412, code: 'tus_resumable_required', message: 'Every upload request needs the header Tus-Resumable: 1.0.0.' };
  }
  // server.js: `Invalid ${names.join(' ')}\n`, names being request headers that failed the tus validators
  const invalid = status === 400 ? /^Invalid ([a-z0-9 -]+)\n?$/.exec(body) : null;
  if (invalid) {
    const names = invalid[1]!.trim().split(/\s+/).map(headerName).join(', ');
    return { status: 400, code: 'invalid_upload_headers', message: `These tus headers have invalid values: ${names}.` };
  }
  if (status === 404) return known('FILE_NOT_FOUND', limits);
  return failed(status);
}
