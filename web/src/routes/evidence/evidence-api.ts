/**
 * The evidence page's route (server/evidence/routes.ts) for any client (the web's `api`, a test's
 * client). The answer's type comes from its route schema (server/evidence/schemas.ts, type-only:
 * nothing of the server is bundled); this module lives in the page's chunk.
 */
import type { ApiClient } from '../../lib/api/client.ts';
import type { LawyerEvidence } from '../../../../server/evidence/schemas.ts';

const enc = encodeURIComponent;

export function evidenceApi(client: ApiClient) {
  return {
    /**
     * A lawyer's training year: lectures, sessions, heartbeats, presence checks, in-person
     * attendances and certificates; read-only. year null/undefined: the current one of the
     * lawyer's association. 403 for a lawyer outside the caller's subtree and for an unknown id.
     */
    lawyer: (userId: string, year?: number | null): Promise<LawyerEvidence> => client.request('GET', `/api/users/${enc(userId)}/evidence`, { query: { year } }),
  };
}
