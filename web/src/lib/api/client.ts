/**
 * The typed client of the Lectern API, shared by the web app and the tests. In the browser it
 * uses window.fetch with the session cookie (same origin); tests pass a cookie-keeping fetch
 * (tests/helpers/http.ts). Every non-2xx answer becomes an ApiError carrying the server's
 * machine code, so callers branch on `error.code` / `error.status`, never on message text.
 *
 * Per-domain clients (uploads, plans…) can live next to this file and call `client.request()`.
 */
import type {
  Account,
  ApiErrorBody,
  AuditPage,
  CertificateVerification,
  MyCertificate,
  CourseDetail,
  CourseList,
  CourseQuery,
  HealthResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  LectureUpload,
  LoginResponse,
  LrsRetryAnswer,
  LrsStatus,
  Me,
  MyCredits,
  Organization,
  OrganizationNode,
  OrganizationReport,
  PasswordReset,
  PlaybackSession,
  AdministeredOrganization,
  NewOrganization,
  OrganizationChange,
  PeopleSearch,
  RoleName,
  StaffAccountCreated,
  StaffList,
  SubtitleLang,
  Transcript,
  MyRequirement,
  RequirementRules,
  RequirementRulesView,
  XapiStatementPage,
} from './types.ts';

export interface ApiClientOptions {
  /** '' (same origin) in the browser; 'http://127.0.0.1:PORT' in tests */
  baseUrl?: string;
  fetch?: typeof fetch;
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** sent as JSON */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    /** the server's machine code (`error` field), or `http_<status>` when the body had none */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Builds `?a=1&b=2`, leaving out empty values so URLs stay short and cacheable. */
export function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

const enc = encodeURIComponent;

export class ApiClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    const given = options.fetch;
    // window.fetch must be called unbound from window, hence the wrapper.
    this.fetchImpl = given ?? ((input, init) => globalThis.fetch(input, { credentials: 'same-origin', ...init }));
  }

  /** Absolute (or same-origin) URL of an API path, e.g. url('/api/health'). */
  url(path: string, query?: Record<string, QueryValue>): string {
    return `${this.baseUrl}${path}${queryString(query)}`;
  }

  /** One JSON request; resolves with the parsed body (undefined for 204), throws ApiError otherwise. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.body);
    } else if (method !== 'GET' && method !== 'HEAD') {
      // State-changing routes take JSON only (no cross-site form can send it), so even
      // body-less actions send an empty JSON object.
      headers['content-type'] ??= 'application/json';
      body = '{}';
    }
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body;
    if (options.signal) init.signal = options.signal;
    const response = await this.fetchImpl(this.url(path, options.query), init);
    if (response.status === 204 || response.status === 205) return undefined as T;
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    let parsed: unknown = undefined;
    if (isJson && text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!response.ok) {
      const errorBody = parsed as Partial<ApiErrorBody> | undefined;
      throw new ApiError(
        response.status,
        typeof errorBody?.error === 'string' ? errorBody.error : `http_${response.status}`,
        typeof errorBody?.message === 'string' ? errorBody.message : response.statusText || `HTTP ${response.status}`,
      );
    }
    return (isJson ? parsed : text) as T;
  }

  // ── Health and session ──
  health(): Promise<HealthResponse> {
    return this.request('GET', '/api/health');
  }
  login(login: string, password: string): Promise<LoginResponse> {
    return this.request('POST', '/api/auth/login', { body: { login, password } });
  }
  logout(): Promise<void> {
    return this.request('POST', '/api/auth/logout');
  }
  me(): Promise<Me> {
    return this.request('GET', '/api/me');
  }

  // ── Accounts ──
  /** 204; 401 invalid_credentials for a wrong current password, 400 password_* for a weak new one, 429 */
  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.request('POST', '/api/me/password', { body: { currentPassword, newPassword } });
  }
  /** Administrator: a new one-time password for the account, answered once. */
  resetPassword(userId: string): Promise<PasswordReset> {
    return this.request('POST', `/api/users/${enc(userId)}/password-reset`);
  }
  /** Administrator: disable (closes its sessions, stops logins) or re-enable an account. */
  setUserDisabled(userId: string, disabled: boolean): Promise<Account> {
    return this.request('PATCH', `/api/users/${enc(userId)}`, { body: { disabled } });
  }

  // ── Catalog ──
  listCourses(query: CourseQuery = {}, signal?: AbortSignal): Promise<CourseList> {
    const options: RequestOptions = { query: { ...query } };
    if (signal) options.signal = signal;
    return this.request('GET', '/api/courses', options);
  }
  getCourse(courseId: string): Promise<CourseDetail> {
    return this.request('GET', `/api/courses/${enc(courseId)}`);
  }

  // ── Uploads (docs/jobs-and-uploads.md) ──
  /** Trainers of the lecture's organization: its newest upload (receiving, received, stored or lost); 403 for anyone else. */
  lectureUpload(lectureId: string): Promise<LectureUpload> {
    return this.request('GET', `/api/lectures/${enc(lectureId)}/upload`);
  }

  // ── Watching and credit ──
  openSession(lectureId: string): Promise<PlaybackSession> {
    return this.request('POST', `/api/lectures/${enc(lectureId)}/sessions`);
  }
  sendHeartbeat(sessionId: string, body: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.request('POST', `/api/sessions/${enc(sessionId)}/heartbeats`, { body });
  }
  /** Types back the code the check's image shows: 422 for a wrong code (the check stays open). */
  confirmPresence(sessionId: string, checkId: string, code: string): Promise<void> {
    return this.request('POST', `/api/sessions/${enc(sessionId)}/presence`, { body: { checkId, code } });
  }
  /** A lecture's subtitle cues in one language (lang undefined: the server's default); 404 where it has none or cannot be watched. */
  transcript(lectureId: string, lang?: SubtitleLang): Promise<Transcript> {
    return this.request('GET', `/api/lectures/${enc(lectureId)}/transcript`, { query: { lang } });
  }
  /** year null/undefined: the server's default (the current training year of my association) */
  myCredits(year?: number | null): Promise<MyCredits> {
    return this.request('GET', '/api/me/credits', { query: { year } });
  }

  // ── LRS delivery (docs/operations.md, "Sending xAPI to an LRS") ──
  /** National administrators: what was queued, sent and refused, and the last error (403 for anyone else). */
  lrsStatus(): Promise<LrsStatus> {
    return this.request('GET', '/api/admin/lrs');
  }
  /** National administrators: queue the statements the LRS refused again; audited. */
  retryFailedLrs(): Promise<LrsRetryAnswer> {
    return this.request('POST', '/api/admin/lrs/retry-failed');
  }

  // ── Audit ──
  organizations(): Promise<OrganizationNode[]> {
    return this.request('GET', '/api/organizations');
  }
  organization(orgId: string): Promise<Organization> {
    return this.request('GET', `/api/organizations/${enc(orgId)}`);
  }
  /** Disabled accounts are left out unless `includeDisabled`; year null/undefined: the organization's current training year. */
  report(orgId: string, year?: number | null, options: { includeDisabled?: boolean } = {}): Promise<OrganizationReport> {
    return this.request('GET', `/api/organizations/${enc(orgId)}/report`, { query: { year, includeDisabled: options.includeDisabled || undefined } });
  }
  /** For a download link: the browser fetches it with the session cookie. */
  reportCsvUrl(orgId: string, year: number, options: { includeDisabled?: boolean } = {}): string {
    return this.url(`/api/organizations/${enc(orgId)}/report.csv`, { year, includeDisabled: options.includeDisabled || undefined });
  }
  verifyCertificate(code: string): Promise<CertificateVerification> {
    return this.request('GET', `/api/certificates/verify/${enc(code)}`);
  }
  /** My course certificates, with their PDF and verification links. */
  myCertificates(): Promise<MyCertificate[]> {
    return this.request('GET', '/api/me/certificates');
  }

  // ── Audit log ──
  /** Administrative changes in the organization's subtree, newest first; `before` = the previous page's `nextBefore`. */
  auditLog(orgId: string, page: { before?: string | null; limit?: number } = {}): Promise<AuditPage> {
    return this.request('GET', `/api/organizations/${enc(orgId)}/audit`, { query: { before: page.before, limit: page.limit } });
  }

  // ── Evidence (docs/audit.md, "The evidence page"; one lawyer's year: evidenceApi in web/src/routes/evidence/evidence-api.ts) ──
  /** The first page of the organization's evidence as xAPI statements (year null: the current one); follow `more` with evidenceXapiMore. */
  evidenceXapi(orgId: string, year: number | null, limit?: number): Promise<XapiStatementPage> {
    return this.request('GET', `/api/organizations/${enc(orgId)}/evidence.xapi.json`, { query: { year, limit } });
  }
  /** The next page: `more` is the path the previous page named (always /api/…). */
  evidenceXapiMore(more: string): Promise<XapiStatementPage> {
    if (!more.startsWith('/api/')) throw new Error(`not an API path: ${more}`);
    return this.request('GET', more);
  }

  // ── The yearly requirement (docs/audit.md, "The yearly requirement") ──
  /** What I owe in a training year; year null/undefined: the current one of my association. */
  myRequirement(year?: number | null): Promise<MyRequirement> {
    return this.request('GET', '/api/me/requirement', { query: { year } });
  }
  /** An organization's requirement rules in 学时: own (null = inherited) and in force. */
  requirementRules(orgId: string): Promise<RequirementRulesView> {
    return this.request('GET', `/api/organizations/${enc(orgId)}/requirement-rules`);
  }
  /** 400 invalid_requirement_rules, not_an_association, root_cannot_inherit; null = inherit again. */
  setRequirementRules(orgId: string, rules: RequirementRules | null): Promise<RequirementRulesView> {
    return this.request('PATCH', `/api/organizations/${enc(orgId)}/requirement-rules`, { body: { rules } });
  }

  // ── Roster import (docs/accounts.md, "Roster import") ──
  /** Checks a roster as the import would; stores nothing. */
  previewRoster(orgId: string, file: import('./types.ts').RosterFile): Promise<import('./types.ts').RosterPreview> {
    return this.request('POST', `/api/organizations/${enc(orgId)}/roster/preview`, { body: file });
  }
  /**
   * Imports a roster, all or nothing: the accounts with their one-time passwords (shown once),
   * or, for a long roster, the background job to follow with `job()`. 400 roster_invalid names
   * every bad row; 409 roster_conflict / roster_import_pending.
   */
  async importRoster(orgId: string, file: import('./types.ts').RosterFile): Promise<import('./types.ts').RosterImportAnswer> {
    const answer = await this.request<{ imported?: number; accounts?: import('./types.ts').RosterAccount[]; jobId?: string; total?: number }>('POST', `/api/organizations/${enc(orgId)}/roster`, { body: file });
    return answer.jobId ? { kind: 'queued', jobId: answer.jobId, total: answer.total ?? 0 } : { kind: 'imported', imported: answer.imported ?? 0, accounts: answer.accounts ?? [] };
  }
  /** A background job; a done roster import's first answer to its actor carries the passwords, once. */
  job(jobId: string): Promise<import('./types.ts').BackgroundJob> {
    return this.request('GET', `/api/jobs/${enc(jobId)}`);
  }

  // ── Organizations and staff (docs/accounts.md, "Organizations and staff") ──
  /** 201; 400 kind_not_allowed / invalid_region_code / region_code_*, 409 organization_name_taken or organization_closed */
  createOrganization(body: NewOrganization): Promise<AdministeredOrganization> {
    return this.request('POST', '/api/organizations', { body });
  }
  /** Rename, renumber, move (parentId) or close/reopen (closed). */
  updateOrganization(orgId: string, change: OrganizationChange): Promise<AdministeredOrganization> {
    return this.request('PATCH', `/api/organizations/${enc(orgId)}`, { body: change });
  }
  /** A staff account (no licence number) with a one-time password, answered once. */
  createStaff(orgId: string, login: string, name: string): Promise<StaffAccountCreated> {
    return this.request('POST', `/api/organizations/${enc(orgId)}/staff`, { body: { login, name } });
  }
  staff(orgId: string): Promise<StaffList> {
    return this.request('GET', `/api/organizations/${enc(orgId)}/staff`);
  }
  grantRole(orgId: string, login: string, role: RoleName): Promise<void> {
    return this.request('POST', `/api/organizations/${enc(orgId)}/roles`, { body: { login, role } });
  }
  revokeRole(orgId: string, login: string, role: RoleName): Promise<void> {
    return this.request('DELETE', `/api/organizations/${enc(orgId)}/roles/${enc(login)}/${enc(role)}`);
  }
  /** People of the caller's subtree by login, licence number (prefix) or name (anywhere in it). */
  searchPeople(q: string, limit?: number): Promise<PeopleSearch> {
    return this.request('GET', '/api/people', { query: { q, limit } });
  }
}
