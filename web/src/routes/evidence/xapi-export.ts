/**
 * "Export xAPI": every page of the organization's evidence statements for the year
 * (GET /api/organizations/:orgId/evidence.xapi.json, following `more`), saved as one JSON array of
 * statements, the body a learning record store's POST /statements takes.
 */
import { api } from '../../lib/api/browser.ts';

/** Statements per request: large pages, few round trips on a slow line; the server allows 10,000. */
const PAGE = 5000;

export async function fetchAllStatements(orgId: string, year: number, onProgress: (count: number) => void): Promise<unknown[]> {
  let page = await api.evidenceXapi(orgId, year, PAGE);
  const statements = [...page.statements];
  onProgress(statements.length);
  while (page.more) {
    page = await api.evidenceXapiMore(page.more);
    statements.push(...page.statements);
    onProgress(statements.length);
  }
  return statements;
}

/** Saves text as a download without a server round trip (the statements are already here). */
export function saveJson(statements: unknown[], filename: string): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(statements)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the object URL; release it once the browser has read it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
