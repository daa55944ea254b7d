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

export interface HealthResponse {
  status: 'ok';
}

export interface LoginRequest {
  login: string;
  password: string;
}

export interface LoginResponse {
  user: { id: string; login: string; name: string };
}

import type { RoleName } from '../../../../server/staff/schemas.ts';
export type { RoleName };

export interface RoleGrant {
  organizationId: string;
  role: RoleName;
}

export interface Me {
  id: string;
  login: string;
  name: string;
  organizationId: string;
  roles: RoleGrant[];
  /** the password is a one-time password (roster import or reset): the shell asks for a new one first */
  passwordChangeRequired: boolean;
}

// ── Accounts (docs/accounts.md) ──────────────────────────────────────────────

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

/** 400 codes of POST /api/me/password when the new password breaks a rule. */
export type PasswordProblem = 'password_too_short' | 'password_is_login' | 'password_is_license_no' | 'password_unchanged' | 'password_blank' | 'password_too_common';

export interface PasswordReset {
  userId: string;
  login: string;
  name: string;
  /** shown once; the account must change it at its next login */
  oneTimePassword: string;
}

export interface Account {
  id: string;
  login: string;
  name: string;
  organizationId: string;
  licenseNo: string | null;
  disabled: boolean;
  passwordChangeRequired: boolean;
}

// ── Catalog ──────────────────────────────────────────────────────────────────

/** The course categories of DESIGN.md; their names live in the message catalogs. */
export const CATEGORY_CODES = [
  'criminal',
  'civil_commercial',
  'administrative',
  'investment_enterprise',
  'labour_employment',
  'social_security',
  'medical_disputes',
  'housing_real_estate',
  'practice_management',
  'ethics_regulation',
] as const;
export type CategoryCode = (typeof CATEGORY_CODES)[number];

export const AUDIENCE_CODES = ['county_lawyers', 'firm_directors', 'young_lawyers'] as const;
export type AudienceCode = (typeof AUDIENCE_CODES)[number];

export type CourseStatus = 'draft' | 'published' | 'archived';
export type LectureStatus = 'uploading' | 'processing' | 'ready' | 'failed';

export interface CourseQuery {
  q?: string;
  category?: CategoryCode | '';
  page?: number;
  pageSize?: number;
}

export interface CourseSummary {
  id: string;
  title: string;
  category: CategoryCode;
  status: CourseStatus;
  lectureCount: number;
  creditMinutes: number;
}

export interface CourseList {
  items: CourseSummary[];
  total: number;
}

export interface LectureSummary {
  id: string;
  title: string;
  position: number;
  status: LectureStatus;
  /** null until the transcoder has measured it */
  durationSeconds: number | null;
  creditMinutes: number;
}

export interface CourseDetail {
  id: string;
  title: string;
  summary: string;
  category: CategoryCode;
  status: CourseStatus;
  lectures: LectureSummary[];
  /** the course's own handouts (lectureId null) and those of the lectures listed */
  handouts: Handout[];
}

/** A handout (讲义) of a course or one of its lectures (server/handouts). */
export type HandoutType = 'pdf' | 'doc' | 'docx' | 'ppt' | 'pptx' | 'xls' | 'xlsx';
export interface Handout {
  id: string;
  title: string;
  type: HandoutType;
  bytes: number;
  lectureId: string | null;
  fileName: string;
  /** GET: the file, as a download */
  url: string;
}

// ── Watching and credit ──────────────────────────────────────────────────────

export interface SessionMedia {
  master: string;
  audio: string;
  slides: string;
  poster: string;
}

export interface PlaybackSession {
  sessionId: string;
  lectureId: string;
  resumeAt: number;
  heartbeatSeconds: number;
  maxPlaybackRate: number;
  completionRatio: number;
  media: SessionMedia;
}

/** A media-time interval [from, to] in seconds. */
export type MediaInterval = [number, number];

export interface HeartbeatRequest {
  seq: number;
  intervals: MediaInterval[];
  playbackRate: number;
  visible: boolean;
  position: number;
}

// The heartbeat answer's shapes come from the server's route schema (type-only, nothing bundled).
import type { HeartbeatAnswer, PresenceCheckView, RejectedInterval } from '../../../../server/playback/schemas.ts';
export type { RejectedInterval };
export type RejectionReason = RejectedInterval['reason'];
export type PresenceCheck = PresenceCheckView;

/** POST /api/sessions/:id/heartbeats 200 (and the judgment a 409 for a closed session carries) */
export type HeartbeatResponse = HeartbeatAnswer;

export interface PresenceRequest {
  checkId: string;
  code: string;
}

export interface LectureCredit {
  lectureId: string;
  courseId: string;
  title: string;
  coverageRatio: number;
  completed: boolean;
  completedAt: string | null;
  creditMinutes: number;
}

export interface CourseCredit {
  courseId: string;
  title: string;
  completed: boolean;
  completedAt: string | null;
  lectureCount: number;
  completedLectures: number;
  /** null until the course is completed and the certificate issued */
  certificateId: string | null;
  certificateCode: string | null;
  certificateSerial: string | null;
}

/** GET /api/me/credits, as server/credits/routes.ts answers it. */
export interface MyCredits {
  year: number;
  creditMinutes: number;
  classHours: number;
  minutesPerClassHour: number;
  trainingYearStartMonth: number;
  /** the training year's bounds (ISO dates) */
  from: string;
  to: string;
  lectures: LectureCredit[];
  courses: CourseCredit[];
}

// ── Audit ────────────────────────────────────────────────────────────────────

// The organization routes' shapes come from their schemas (server/organizations/schemas.ts).
import type { Organization, OrganizationChange, OrganizationKind, OrganizationNode, NewOrganization } from '../../../../server/organizations/schemas.ts';
export type { Organization, OrganizationChange, OrganizationKind, OrganizationNode, NewOrganization };
/** An organization as the administration routes answer it (the same shape as every organization route). */
export type AdministeredOrganization = Organization;

export interface ReportLawyer {
  id: string;
  name: string;
  licenseNo: string;
  /** a disabled account; listed only when the report is asked with includeDisabled */
  disabled: boolean;
  firm: string;
  creditMinutes: number;
  requiredMinutes: number;
  /** false when no plan of the year covers the lawyer: then met is null (never compliant) */
  planned: boolean;
  met: boolean | null;
}

export interface OrganizationReport {
  organization: { id: string; name: string };
  lawyers: ReportLawyer[];
  /** met counts planned lawyers only; planned: how many a plan covers */
  totals: { lawyers: number; creditMinutes: number; met: number; planned: number };
}

export type CertificateVerification = {
  valid: true;
  holder: string;
  course: string;
  creditMinutes: number;
  issuedAt: string;
};

// ── Audit log (docs/audit.md, "The audit log") ───────────────────────────────

// What an entry records: one list, on the server (type-only: nothing of the server is bundled).
import type { AuditAction, AuditState, AuditTargetType } from '../../../../server/audit/actions.ts';
export type { AuditAction, AuditState, AuditTargetType };

export interface AuditEntry {
  id: string;
  /** ISO 8601 instant (UTC) */
  at: string;
  /** who did it; null for changes made outside a login (the admin:create script) */
  actor: { id: string; login: string; name: string } | null;
  action: AuditAction;
  /** the organization whose administrators (and those above) may read the entry */
  organizationId: string;
  targetType: AuditTargetType;
  targetId: string | null;
  before: AuditState | null;
  after: AuditState | null;
  ip: string | null;
}

export interface AuditPage {
  /** newest first */
  items: AuditEntry[];
  /** pass as `before` for the next (older) page; null when this is the last page */
  nextBefore: string | null;
}

// ── The evidence page (docs/audit.md, "The evidence page") ────────────────────

/** Why media time a player reported was not credited (server/playback/credit.ts). */
export type RefusalReason = 'outside_lecture' | 'rate_too_high' | 'faster_than_real_time' | 'hidden_page' | 'presence_unconfirmed' | 'not_in_catalog';

export type DevicePlatform = 'desktop' | 'mobile' | 'tablet' | 'tv' | 'bot' | 'unknown';

/** How a playback session ended, as far as the server knows. */
export type SessionEnd =
  /** the lawyer opened another session (one lecture at a time): closed at that moment */
  | { kind: 'replaced'; at: string; replacedBy: { sessionId: string; lectureTitle: string } | null }
  /** closed by the server for another reason */
  | { kind: 'closed'; at: string; reason: string }
  /** never closed: the player just stopped; its evidence ends at the last heartbeat */
  | { kind: 'last_heartbeat'; at: string }
  /** never closed and nothing was ever reported */
  | { kind: 'no_heartbeat' };

export type PresenceCheckState =
  | { kind: 'confirmed'; confirmedAt: string }
  /** shown and not confirmed in time (or followed by a newer check): credit paused after it */
  | { kind: 'expired'; expiresAt: string }
  /** shown, still waiting for the answer */
  | { kind: 'open'; expiresAt: string }
  /** planned, but playback never reached its moment */
  | { kind: 'not_reached' };

export interface EvidencePresenceCheck {
  id: string;
  /** the media time it was due at (never told to the player) */
  dueAtMedia: number;
  issuedAt: string | null;
  state: PresenceCheckState;
  /** wrong codes typed for it */
  wrongAnswers: number;
  /** media seconds held under it: credited when it was confirmed, lost when it expired */
  heldSeconds: number;
}

export interface EvidenceRefusal {
  reason: RefusalReason;
  /** media seconds reported and not credited for this reason */
  seconds: number;
  /** heartbeats that had some media refused for it */
  heartbeats: number;
}

export interface EvidenceSession {
  id: string;
  openedAt: string;
  end: SessionEnd;
  lastHeartbeatAt: string | null;
  /** the source address when the session was opened */
  ip: string | null;
  /** the distinct source addresses its heartbeats came from (a phone may change networks) */
  heartbeatAddresses: string[];
  /** as the browser sent it when the session was opened */
  userAgent: string | null;
  /** `label`: browser and system, e.g. "WeChat 8 · Android 12" (empty when unknown) */
  device: { label: string; platform: DevicePlatform };
  heartbeats: number;
  acceptedSeconds: number;
  refusedSeconds: number;
  refused: EvidenceRefusal[];
  presenceChecks: EvidencePresenceCheck[];
  /** watched together on a firm's computer (集体观看): the group, host, firm and members */
  group: import('../../../../server/groups/schemas.ts').GroupSessionView | null;
}

export interface EvidenceLecture {
  lectureId: string;
  title: string;
  courseId: string;
  courseTitle: string;
  durationSeconds: number;
  /** minutes granted at completion (0 while not complete) */
  creditMinutes: number;
  completedAt: string | null;
  /** completed inside this training year: its minutes count in this year */
  completedInYear: boolean;
  coverageSeconds: number;
  coverageRatio: number;
  sessions: EvidenceSession[];
}

export interface EvidenceCertificate {
  id: string;
  serial: string;
  code: string;
  courseId: string;
  courseTitle: string;
  issuedAt: string;
  creditMinutes: number;
}

/** GET /api/users/:userId/evidence?year= — read-only; administrators of the lawyer's organization or above. */
export interface LawyerEvidence {
  lawyer: { id: string; name: string; licenseNo: string; disabled: boolean; firm: { id: string; name: string } };
  year: number;
  trainingYearStartMonth: number;
  minutesPerClassHour: number;
  /** the training year as [from, to) instants, UTC */
  from: string;
  to: string;
  /** minutes of the lectures completed in the year, and in 学时 */
  creditMinutes: number;
  classHours: number;
  /** in-person sessions (现场培训) held in the year: minutes of the attendances not removed */
  inPersonMinutes: number;
  inPersonClassHours: number;
  /** creditMinutes + inPersonMinutes: what counts toward the year */
  totalCreditMinutes: number;
  totalClassHours: number;
  lectures: EvidenceLecture[];
  /** the evidence kind 现场培训: every attendance of the year, removed ones too */
  inPerson: EvidenceInPerson[];
  certificates: EvidenceCertificate[];
}

// ── In-person training (现场培训, docs/programme.md) ──

export type PersonRef = { id: string; name: string } | null;

export interface InPersonSession {
  id: string;
  organization: { id: string; name: string };
  title: string;
  /** Beijing date, YYYY-MM-DD */
  heldOn: string;
  place: string;
  minutes: number;
  classHours: number;
  minutesPerClassHour: number;
  /** attendances not removed */
  attendees: number;
  createdBy: PersonRef;
  createdAt: string;
}

export interface InPersonAttendance {
  id: string;
  lawyer: { id: string; name: string; licenseNo: string | null; firm: string };
  /** credited now: 0 once removed */
  minutes: number;
  ownMinutes: number | null;
  source: 'form' | 'sheet';
  recordedBy: PersonRef;
  recordedAt: string;
  removedAt: string | null;
  removedBy: PersonRef;
}

export interface InPersonCorrection {
  id: string;
  attendanceId: string | null;
  lawyer: PersonRef;
  kind: 'session_minutes' | 'attendance_minutes' | 'attendance_removed';
  minutesBefore: number;
  minutesAfter: number | null;
  reason: string;
  correctedBy: PersonRef;
  correctedAt: string;
}

export interface InPersonSessionDetail extends InPersonSession {
  attendances: InPersonAttendance[];
  corrections: InPersonCorrection[];
}

export interface SignInSheetProblem {
  row: number;
  code: string;
  value?: string;
  message: string;
}

export interface SignInSheetPreview {
  session: { id: string; title: string };
  format: 'csv' | 'xlsx';
  headerRow: number;
  total: number;
  matched: { row: number; licenseNo: string; userId: string; name: string; firm: string }[];
  problems: SignInSheetProblem[];
}

export interface EvidenceInPerson extends InPersonAttendance {
  session: { id: string; title: string; heldOn: string; place: string; minutes: number; organization: { id: string; name: string }; createdBy: PersonRef };
  corrections: InPersonCorrection[];
}

/** One page of GET /api/organizations/:orgId/evidence.xapi.json: `more` is the next page's path, or "". */
export interface XapiStatementPage {
  statements: unknown[];
  more: string;
}

// ── The yearly requirement (docs/audit.md, "The yearly requirement") ─────────

/** An association's requirement rules, in 学时 (server/requirements/rules.ts). */
export interface RequirementRules {
  /** what a full-time lawyer who practised the whole training year owes */
  annualClassHours: number;
  /** for a lawyer who started during the year: the step with the most months not above theirs; below every step: exempt */
  proRating: { minMonthsPractised: number; classHours: number }[];
  /** part-time lawyers (兼职律师) owe at most this */
  partTimeClassHours?: number;
  /** from this age (reached in the calendar year the training year starts in) nothing is owed */
  exemptFromAge?: number;
}

/** GET/PATCH /api/organizations/:orgId/requirement-rules */
export interface RequirementRulesView {
  organizationId: string;
  kind: string;
  /** own rules; null = inherited */
  own: RequirementRules | null;
  effective: RequirementRules;
  /** whose rules are in force; null = the built-in ones (0 学时: only what the plans ask) */
  effectiveFrom: { id: string; name: string } | null;
  minutesPerClassHour: number;
  editable: boolean;
}

/** Why a lawyer owes what they owe. */
export type RequirementBasis = 'not_planned' | 'annual' | 'pro_rated' | 'part_time' | 'exempt_new_practice' | 'exempt_age';

/** GET /api/me/requirement (API.md's fixed fields first) */
export interface MyRequirement {
  year: number;
  planned: boolean;
  requiredMinutes: number;
  /** what counts toward the year: online + in-person */
  creditMinutes: number;
  /** of creditMinutes, lectures completed online */
  onlineMinutes: number;
  /** of creditMinutes, in-person sessions (现场培训) held in the year */
  inPersonMinutes: number;
  remainingMinutes: number;
  requiredCourses: { courseId: string; title: string; completed: boolean }[];
  /** end of the training year (exclusive), ISO instant */
  deadline: string;
  from: string;
  minutesPerClassHour: number;
  requiredClassHours: number;
  creditClassHours: number;
  onlineClassHours: number;
  inPersonClassHours: number;
  remainingClassHours: number;
  /** 选修: of requiredMinutes, at least this many from courses that are not required */
  electiveMinutes: number;
  electiveCreditMinutes: number;
  basis: RequirementBasis;
  met: boolean | null;
}

// ── Roster import (docs/accounts.md, "Roster import") ──

/** The roster file for the preview and import routes: CSV text, or an XLSX workbook as base64. */
export type RosterFile = { csv: string } | { xlsx: string };

export type RosterColumn = 'licenseNo' | 'name' | 'firm' | 'practiceStartedOn' | 'partTime' | 'birthYear';

/** One problem of the file or of a row; `code` and `params` word it (`roster.problem.<code>` in the catalogs). */
export interface RosterProblem {
  /** line in the file; 0 for the file as a whole */
  row: number;
  column?: RosterColumn;
  code: string;
  params?: Record<string, string | number>;
  /** English */
  message: string;
}

export interface RosterFirmPlace {
  id: string;
  name: string;
  /** from the importing organization down to the firm */
  path: string[];
}

export interface RosterPreviewRow {
  row: number;
  licenseNo: string;
  name: string;
  firm: string;
  practiceStartedOn: string | null;
  partTime: boolean;
  birthYear: number | null;
  bad: boolean;
}

/** POST /api/organizations/:orgId/roster/preview: what the import would do; nothing stored. */
export interface RosterPreview {
  format: 'csv' | 'xlsx';
  sheet: string | null;
  headerRow: number;
  optionalColumns: RosterColumn[];
  organization: { id: string; name: string; path: string[] };
  total: number;
  valid: number;
  /** the import will run as a background job (202) */
  background: boolean;
  firms: (RosterFirmPlace & { rows: number })[];
  unknownFirms: { name: string; rows: number[]; suggestion: RosterFirmPlace | null }[];
  problems: RosterProblem[];
  /** the bad rows and the first few, by row */
  rows: RosterPreviewRow[];
}

export interface RosterAccount {
  licenseNo: string;
  name: string;
  login: string;
  /** left out once answered (a background job's later answers) */
  initialPassword?: string;
}

/** POST /api/organizations/:orgId/roster */
export type RosterImportAnswer = { kind: 'imported'; imported: number; accounts: RosterAccount[] } | { kind: 'queued'; jobId: string; total: number };

/** GET /api/jobs/:jobId */
export interface BackgroundJob {
  id: string;
  kind: string;
  organizationId: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  total: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error?: { code: string; message: string };
  /** done roster imports: whether this answer carries the one-time passwords (only the first one to the actor does) */
  passwords?: 'included' | 'taken' | 'expired' | 'actor_only';
  imported?: number;
  accounts?: RosterAccount[];
  problems?: RosterProblem[];
}

// ── Organizations and staff (docs/accounts.md, "Organizations and staff") ─────

// The staff routes' shapes come from their schemas (server/staff/schemas.ts).
export type { HeldRole, Person, PeopleSearch, StaffAccountCreated, StaffList, StaffMember } from '../../../../server/staff/schemas.ts';

