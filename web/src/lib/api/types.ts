/**
 * Request and response shapes of the fixed API (shared/API.md). The web app and the tests both
 * import these, so a change in the API shows up as a type error on both sides.
 */

/** Error body of every non-2xx answer. */
export interface ApiErrorBody {
  error: string;
  message: string;
}

// ── Health and session ───────────────────────────────────────────────────────

// The health answers come from their route schemas (type-only: nothing of the server is bundled).
import type { HealthOk, HealthUnavailable, ReadyOk, ReadyUnavailable } from '../../../../server/health/schemas.ts';
export type { HealthOk, HealthUnavailable, ReadyOk, ReadyUnavailable };
/** GET /api/health 200 */
export type HealthResponse = HealthOk;

// The session routes' shapes come from their schemas (server/auth/schemas.ts).
import type { LoginRequest, LoginResponse, Me, RoleGrant } from '../../../../server/auth/schemas.ts';
export type { LoginRequest, LoginResponse, Me, RoleGrant };

import type { RoleName } from '../../../../server/staff/schemas.ts';
export type { RoleName };

// ── Accounts (docs/accounts.md) ──────────────────────────────────────────────

// The account routes' shapes come from their schemas (server/users/schemas.ts); the password rules' codes from server/users/password-rules.ts.
import type { Account, ChangePasswordRequest, PasswordReset } from '../../../../server/users/schemas.ts';
export type { Account, ChangePasswordRequest, PasswordReset };
/** 400 codes of POST /api/me/password when the new password breaks a rule. */
export type { PasswordProblem } from '../../../../server/users/password-rules.ts';

// ── Catalog ──────────────────────────────────────────────────────────────────

// The catalog's shapes come from its route schemas (server/catalog/schemas.ts); the category and
// audience lists are values the web needs at run time, from server/catalog/codes.ts (import-free,
// so bundling it pulls in nothing of the server; the database enum and the schemas take them too).
export { AUDIENCE_CODES, CATEGORY_CODES } from '../../../../server/catalog/codes.ts';
import type {
  AudienceCode,
  CatalogCourseDetail,
  CatalogList,
  CategoryCode,
  CourseStatus,
  CourseSummary,
  LectureStatus,
  LectureSummary,
} from '../../../../server/catalog/schemas.ts';
export type { AudienceCode, CategoryCode, CourseStatus, CourseSummary, LectureStatus, LectureSummary };

export interface CourseQuery {
  q?: string;
  category?: CategoryCode | '';
  page?: number;
  pageSize?: number;
}

/** GET /api/courses, API.md's fixed fields (the full answer: lib/api/learning.ts). */
export type CourseList = Pick<CatalogList, 'total'> & { items: CourseSummary[] };

/** GET /api/courses/:courseId, API.md's fixed fields and the handouts (the full answer: lib/api/learning.ts). */
export type CourseDetail = Pick<CatalogCourseDetail, 'id' | 'title' | 'summary' | 'category' | 'status' | 'handouts'> & { lectures: LectureSummary[] };

// A handout (讲义) of a course or one of its lectures: from its route schema (server/handouts/schemas.ts).
import type { Handout, HandoutType } from '../../../../server/handouts/schemas.ts';
export type { Handout, HandoutType };

// ── Watching and credit ──────────────────────────────────────────────────────

/** The session answer: the route's schema (server/playback/schemas.ts), type-only. */
export type PlaybackSession = SessionAnswer;

/** The heartbeat body: the route's schema (server/playback/schemas.ts), type-only. */
export type HeartbeatRequest = HeartbeatBody;

/** A media-time interval [from, to] in seconds. */
export type MediaInterval = HeartbeatRequest['intervals'][number];

// The heartbeat answer's shapes come from the server's route schema (type-only, nothing bundled).
import type { HeartbeatAnswer, HeartbeatBody, PresenceBody, PresenceCheckView, RejectedInterval, SessionAnswer } from '../../../../server/playback/schemas.ts';
export type { RejectedInterval };
export type RejectionReason = RejectedInterval['reason'];
export type PresenceCheck = PresenceCheckView;

/** POST /api/sessions/:id/heartbeats 200 (and the judgment a 409 for a closed session carries) */
export type HeartbeatResponse = HeartbeatAnswer;

/** POST /api/sessions/:sessionId/presence: the route's schema, type-only. */
export type PresenceRequest = PresenceBody;

// The credit answers come from their route schemas (server/credits/schemas.ts), type-only.
export type { CourseCredit, LectureCredit, MyCredits, XapiStatementPage } from '../../../../server/credits/schemas.ts';

// GET /api/lectures/:lectureId/upload: from its route schema (server/uploads/schemas.ts), type-only.
export type { LectureUpload } from '../../../../server/uploads/schemas.ts';

// GET /api/lectures/:lectureId/transcript: from its route schema (server/subtitles/schemas.ts), type-only.
export type { SubtitleLang, Transcript } from '../../../../server/subtitles/schemas.ts';

// The LRS delivery routes' answers (docs/operations.md, "Sending xAPI to an LRS"): from server/lrs/schemas.ts, type-only.
export type { LrsRetryAnswer, LrsStatus } from '../../../../server/lrs/schemas.ts';

// ── Audit ────────────────────────────────────────────────────────────────────

// The organization routes' shapes come from their schemas (server/organizations/schemas.ts).
import type { Organization, OrganizationChange, OrganizationKind, OrganizationNode, NewOrganization } from '../../../../server/organizations/schemas.ts';
export type { Organization, OrganizationChange, OrganizationKind, OrganizationNode, NewOrganization };
/** An organization as the administration routes answer it (the same shape as every organization route). */
export type AdministeredOrganization = Organization;

// The report's shapes come from its route schema (server/reports/schemas.ts).
import type { Report, ReportLawyer, ReportTotals, RequirementBasis } from '../../../../server/reports/schemas.ts';
export type { ReportLawyer, ReportTotals, RequirementBasis };
/** GET /api/organizations/:orgId/report */
export type OrganizationReport = Report;

// The certificate answers come from their route schemas (server/certificates/schemas.ts).
import type { CertificateIssuer, CertificateVerification, MyCertificate } from '../../../../server/certificates/schemas.ts';
export type { CertificateIssuer, CertificateVerification, MyCertificate };

// ── Audit log (docs/audit.md, "The audit log") ───────────────────────────────

// What an entry records: one list, on the server (type-only: nothing of the server is bundled).
import type { AuditAction, AuditState, AuditTargetType } from '../../../../server/audit/actions.ts';
export type { AuditAction, AuditState, AuditTargetType };

// The route's answer comes from its schema (server/audit/schemas.ts).
import type { AuditEntry, AuditPage } from '../../../../server/audit/schemas.ts';
export type { AuditEntry, AuditPage };

// ── The evidence page (docs/audit.md, "The evidence page") ────────────────────

// The evidence answer comes from its route schema (server/evidence/schemas.ts), type-only.
import type {
  DevicePlatform,
  EvidenceCertificate,
  EvidenceInPerson,
  EvidenceLecture,
  EvidencePresenceCheck,
  EvidenceRefusal,
  EvidenceSession,
  EvidenceSessionEnd,
  LawyerEvidence,
  PresenceCheckState,
} from '../../../../server/evidence/schemas.ts';
export type { DevicePlatform, EvidenceCertificate, EvidenceInPerson, EvidenceLecture, EvidencePresenceCheck, EvidenceRefusal, EvidenceSession, LawyerEvidence, PresenceCheckState };
/** Why media time a player reported was not credited (server/playback/credit.ts). */
export type RefusalReason = EvidenceRefusal['reason'];
/** How a playback session ended, as far as the server knows (GET /api/users/:userId/evidence). */
export type SessionEnd = EvidenceSessionEnd;

// ── In-person training (现场培训, docs/programme.md) ──

// The in-person routes' shapes come from their schemas (server/inperson/schemas.ts), type-only.
export type {
  InPersonAttendance,
  InPersonCorrection,
  InPersonSession,
  InPersonSessionDetail,
  InPersonSessionList,
  NewInPersonSession,
  PersonRef,
  SignInSheetImport,
  SignInSheetPreview,
  SignInSheetProblem,
} from '../../../../server/inperson/schemas.ts';

// ── The yearly requirement (docs/audit.md, "The yearly requirement") ─────────

// The requirement routes' shapes come from their schemas (server/requirements/schemas.ts, rules.ts).
import type { MyRequirement, RequirementRules, RulesView } from '../../../../server/requirements/schemas.ts';
export type { MyRequirement, RequirementRules };
/** GET/PATCH /api/organizations/:orgId/requirement-rules */
export type RequirementRulesView = RulesView;

// ── Roster import (docs/accounts.md, "Roster import") ──

/** The roster file for the preview and import routes: CSV text, or an XLSX workbook as base64. */
export type RosterFile = { csv: string } | { xlsx: string };

// The roster routes' shapes come from their schemas (server/roster/schemas.ts), type-only.
import type { RosterAccount, RosterQueued } from '../../../../server/roster/schemas.ts';
export type { RosterAccount };
export type { RosterColumn, RosterFirmPlace, RosterPreview, RosterPreviewRow, RosterProblem } from '../../../../server/roster/schemas.ts';

/** POST /api/organizations/:orgId/roster, as ApiClient.importRoster tells its 200 (imported) from its 202 (queued). */
export type RosterImportAnswer = { kind: 'imported'; imported: number; accounts: RosterAccount[] } | ({ kind: 'queued' } & Pick<RosterQueued, 'jobId' | 'total'>);

// GET /api/jobs/:jobId: from its route schema (server/jobs/schemas.ts), type-only.
export type { BackgroundJob } from '../../../../server/jobs/schemas.ts';

// ── Organizations and staff (docs/accounts.md, "Organizations and staff") ─────

// The staff routes' shapes come from their schemas (server/staff/schemas.ts).
export type { HeldRole, Person, PeopleSearch, StaffAccountCreated, StaffList, StaffMember } from '../../../../server/staff/schemas.ts';

