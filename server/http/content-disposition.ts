/**
 * `Content-Disposition: attachment` for downloads with real (often Chinese) file names: an ASCII
 * fallback in `filename` for old clients and the real name as RFC 5987 `filename*`, which every
 * current browser prefers. Used by the report CSV and handout downloads, and as S3's
 * `response-content-disposition` on a handout's signed URL.
 */

/** RFC 5987 value-chars: encodeURIComponent leaves a few characters that must be escaped too. */
export function encodeRfc5987(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Characters no file system or header takes in a name: replaced by `_`. */
const UNSAFE_IN_NAME = /[\\/:*?"<>|\u0000-\u001f\u007f]/g;

export function attachmentDisposition(fileName: string, asciiFallback: string): string {
  const real = fileName.replace(UNSAFE_IN_NAME, '_');
  const fallback = asciiFallback.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(real)}`;
}
