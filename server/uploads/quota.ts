/**
 * PURE: the per-trainer upload quota. A trainer's unfinished uploads reserve the lengths they
 * declared (Upload-Length) until they finish, are cancelled or expire; a new upload must fit in
 * what the quota leaves. The reserved sum is read under a per-trainer lock (service.ts), so two
 * creations at once cannot both take the last room.
 */

export interface QuotaRequest {
  /** bytes the trainer's open reservations hold now */
  reservedBytes: number;
  /** the new upload's declared length */
  requestedBytes: number;
  quotaBytes: number;
}

export type QuotaVerdict =
  | { kind: 'fits' }
  | { kind: 'exceeded'; reservedBytes: number; requestedBytes: number; quotaBytes: number; availableBytes: number };

export function checkQuota({ reservedBytes, requestedBytes, quotaBytes }: QuotaRequest): QuotaVerdict {
  if (reservedBytes + requestedBytes <= quotaBytes) return { kind: 'fits' };
  return { kind: 'exceeded', reservedBytes, requestedBytes, quotaBytes, availableBytes: Math.max(0, quotaBytes - reservedBytes) };
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1023 bytes, 1.0 KiB, 4.0 MiB, 240 GiB: binary units, one decimal below 100. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 100 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** What the trainer reads: how much is held, what this file needs, and the two ways to make room. */
export function quotaExceededMessage(verdict: Extract<QuotaVerdict, { kind: 'exceeded' }>, expiryDays: number): string {
  const days = `${expiryDays} ${expiryDays === 1 ? 'day' : 'days'}`;
  return (
    `Your unfinished uploads already reserve ${formatBytes(verdict.reservedBytes)} of your ${formatBytes(verdict.quotaBytes)} upload quota, ` +
    `and this file needs ${formatBytes(verdict.requestedBytes)}. Finish or cancel an unfinished upload to make room; ` +
    `abandoned uploads expire ${days} after they were started.`
  );
}
