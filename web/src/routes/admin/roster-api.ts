/**
 * The roster panel's helpers: reading the chosen file for the API, the one-time passwords as a
 * CSV file, and a background job's remembered id (so coming back to /admin finds the job).
 */
import type { RosterAccount, RosterFile } from '../../lib/api/types.ts';

export interface ReadFile {
  file: RosterFile;
  /** CSV only: the text was not UTF-8 and was read as GB18030 (Excel's "CSV" on Chinese Windows) */
  decodedAs: 'utf-8' | 'gb18030' | null;
}

/** An .xlsx goes as base64 (the server reads the workbook); anything else as CSV text. */
export async function readRosterFile(file: File): Promise<ReadFile> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b; // "PK": an .xlsx, whatever its name
  if (isZip || /\.xlsx$/i.test(file.name)) return { file: { xlsx: base64(bytes) }, decodedAs: null };
  try {
    return { file: { csv: new TextDecoder('utf-8', { fatal: true }).decode(bytes) }, decodedAs: 'utf-8' };
  } catch {
    return { file: { csv: new TextDecoder('gb18030').decode(bytes) }, decodedAs: 'gb18030' };
  }
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * The passwords as a CSV file Excel and WPS open as they are: UTF-8 with BOM, CRLF, every cell
 * quoted; a name that starts like a formula gets an apostrophe, and the 17-digit licence number
 * a leading tab so it stays text (as the report CSV does, server/reports/rows.ts).
 */
export function passwordsCsv(accounts: readonly RosterAccount[], header: readonly string[]): string {
  const cell = (text: string) => `"${text.replace(/"/g, '""')}"`;
  const safe = (text: string) => (/^[=+\-@\t\r\n]/.test(text) ? `'${text}` : text);
  const lines = [header.map(cell), ...accounts.map((a) => [cell(`\t${a.licenseNo}`), cell(safe(a.name)), cell(a.login), cell(a.initialPassword ?? '')])];
  return `\uFEFF${lines.map((l) => l.join(',')).join('\r\n')}\r\n`;
}

/** Saves a text as a file through a temporary object URL (revoked at once: nothing stays behind). */
export function saveText(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

const jobKey = (orgId: string) => `lectern.rosterJob.${orgId}`;

/** The running import of this organization, remembered for this browser tab only. */
export const rememberedJob = {
  get: (orgId: string): string | null => sessionStorage.getItem(jobKey(orgId)),
  set: (orgId: string, jobId: string): void => sessionStorage.setItem(jobKey(orgId), jobId),
  forget: (orgId: string): void => sessionStorage.removeItem(jobKey(orgId)),
};
