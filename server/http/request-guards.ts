/**
 * Which requests may change state. The session cookie is SameSite=Lax, which keeps it off
 * cross-site POSTs but not off same-site ones (a sibling sub-domain), and a page can send a
 * form or a no-CORS fetch without any preflight. So every state-changing API request must:
 *
 * - carry JSON or nothing (`content-type` absent or `application/json`): a form can only send
 *   `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data`; tus uploads
 *   (their own protocol, `application/offset+octet-stream`) are one exception; a handout's
 *   bytes (`POST /api/courses/:id/handouts`, `application/octet-stream` only) and a subtitle
 *   file sent as itself to `PUT /api/lectures/:id/subtitles/:lang` (`text/vtt` or
 *   `application/x-subrip`) the others: none of these types can leave a form or a no-CORS fetch
 *   (not CORS-safelisted, so a cross-site page would need a preflight, which gets no CORS answer);
 * - come from this site: `Sec-Fetch-Site` (sent by every current browser) must be `same-origin`
 *   or `none`; where a browser does not send it, an `Origin` header must name this site (the
 *   request's own host or PUBLIC_URL). Clients that are not browsers send neither and are let
 *   through: they hold no victim's cookie.
 *
 * Pure: app.ts runs it in an onRequest hook, before any route, body parsing or database.
 */
export type StateChangeRefusal = { status: 403; code: 'cross_site_request'; message: string } | { status: 415; code: 'unsupported_media_type'; message: string };

export interface StateChangeRequest {
  method: string;
  /** the path and query, as Fastify's request.url */
  url: string;
  contentType: string | undefined;
  secFetchSite: string | undefined;
  origin: string | undefined;
  /** the Host the request was sent to, e.g. `lectern.example.cn` or `127.0.0.1:3000` */
  host: string | undefined;
  /** PUBLIC_URL's origin */
  publicOrigin: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UPLOADS = '/api/uploads';
/** the handout upload: the raw file as the body (server/handouts/routes.ts) */
const HANDOUT_UPLOAD = /^\/api\/courses\/[^/?#]+\/handouts(?:\?|$)/;
const SUBTITLE_UPLOAD = /^\/api\/lectures\/[0-9a-f-]{36}\/subtitles\/[a-z]{2,3}(?:-[a-z0-9]{2,8})?(?:\?|$)/i;
const SUBTITLE_TYPES = new Set(['text/vtt', 'application/x-subrip']);

function sameSite(origin: string, host: string | undefined, publicOrigin: string): boolean {
  if (origin === publicOrigin) return true;
  try {
    const url = new URL(origin);
    return host !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.toLowerCase();
  } catch {
    return false; // "null" (sandboxed frames, file:) and anything else that is not a URL
  }
}

export function stateChangeRefusal(request: StateChangeRequest): StateChangeRefusal | null {
  if (SAFE_METHODS.has(request.method) || !request.url.startsWith('/api/')) return null;
  const site = request.secFetchSite?.toLowerCase();
  const crossSite = site !== undefined ? site !== 'same-origin' && site !== 'none' : request.origin !== undefined && !sameSite(request.origin, request.host, request.publicOrigin);
  if (crossSite) return { status: 403, code: 'cross_site_request', message: 'This request came from another site and was refused. Use Lectern itself.' };
  const isUpload = request.url === UPLOADS || request.url.startsWith(`${UPLOADS}/`) || request.url.startsWith(`${UPLOADS}?`);
  if (isUpload || request.contentType === undefined) return null;
  const mediaType = request.contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json') return null;
  if (mediaType === 'application/octet-stream' && request.method === 'POST' && HANDOUT_UPLOAD.test(request.url)) return null;
  if (request.method === 'PUT' && SUBTITLE_TYPES.has(mediaType) && SUBTITLE_UPLOAD.test(request.url)) return null;
  return { status: 415, code: 'unsupported_media_type', message: 'Send JSON (content-type: application/json) or no body.' };
}
