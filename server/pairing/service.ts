/**
 * Pairing (结对帮扶, docs/programme.md "Pairing"): an association records pairs — a city firm
 * mentoring a county firm, a senior lawyer mentoring a young one — and the mentor side reads the
 * mentee's progress (read-only, only while the pair is active) and recommends courses, which the
 * mentees see on /me. The progress is the mentee's own numbers, read with the queries of
 * GET /api/me/requirement and GET /api/me/progress (RequirementsService, LearningRepository).
 *
 * Who: administrators of the recording organization or above create and end pairs (both sides
 * inside its subtree); the mentor of a lawyer pair, or an administrator granted directly on the
 * city firm of a firm pair, is the mentor side.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog } from '../audit/service.ts';
import { badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import { isCalendarDate } from '../inperson/service.ts';
import type { LearningRepository } from '../learning/repository.ts';
import { courseProgress, resumeView } from '../learning/state.ts';
import type { OrganizationsRepository } from '../organizations/repository.ts';
import type { RequirementsService } from '../requirements/service.ts';
import type { Lawyer, PairingRepository, PairKind, PairRecord } from './repository.ts';
import { beijingToday, isYoungLawyer, YOUNG_LAWYER_YEARS } from './rules.ts';
import type { NewPair, PairList } from './schemas.ts';


const NOT_ADMINISTERED = 'You are not an administrator of this organization';
const NOT_MENTOR = 'You are not the mentor side of an active pair with this lawyer';

export type PairStatus = 'scheduled' | 'active' | 'expired' | 'ended';

export function pairStatus(p: PairRecord, today: string): PairStatus {
  if (p.endedAt) return 'ended';
  if (today < p.startsOn) return 'scheduled';
  if (p.endsOn && today > p.endsOn) return 'expired';
  return 'active';
}

export function pairView(p: PairRecord, today: string) {
  return {
    id: p.id,
    kind: p.kind,
    organization: { id: p.organizationId, name: p.organizationName },
    mentor: p.mentor,
    mentee: p.mentee,
    startsOn: p.startsOn,
    endsOn: p.endsOn,
    status: pairStatus(p, today),
    createdAt: p.createdAt.toISOString(),
    endedAt: p.endedAt?.toISOString() ?? null,
  };
}

const lawyerView = (l: Lawyer) => ({ id: l.id, name: l.name, licenseNo: l.licenseNo, firm: l.firm });

function validDate(text: string): string {
  if (!isCalendarDate(text) || text < '2000-01-01' || text > '2100-12-31') throw badRequest('invalid_date', `${text} is not a date (YYYY-MM-DD) between 2000 and 2100.`);
  return text;
}

export class PairingService {
  constructor(
    private readonly repo: PairingRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly access: AccessPolicy,
    private readonly requirements: RequirementsService,
    private readonly learning: LearningRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  today(): string {
    return beijingToday(this.now());
  }

  async createPair(user: SessionUser, organizationId: string, input: NewPair, ip: string) {
    const chain = await this.access.assertRole(user, organizationId, 'admin');
    if (chain.some((o) => o.closedAt != null)) throw badRequest('organization_closed', 'The organization is closed.');
    const startsOn = validDate(input.startsOn);
    const endsOn = input.endsOn ? validDate(input.endsOn) : null;
    if (endsOn && endsOn < startsOn) throw badRequest('pair_dates', `The pair cannot end (${endsOn}) before it starts (${startsOn}).`);
    const inside = new Set((await this.organizations.subtree([organizationId])).map((o) => o.id));
    const sides = input.kind === 'firm' ? await this.firmSides(input, inside) : await this.lawyerSides(input, inside, startsOn);
    const today = this.today();
    const pair = await this.repo
      .transaction(async (repo, tx) => {
        const id = await repo.insertPair({ kind: input.kind, organizationId, ...sides, startsOn, endsOn, createdBy: user.id });
        const created = (await repo.findPair(id, today))!;
        await AuditLog.record(tx, { actor: user, action: 'pairing.pair_created', organizationId, targetType: 'pair', targetId: id, before: null, after: pairState(created), ip });
        return created;
      })
      .catch((err: unknown) => {
        const e = err as { code?: string; cause?: { code?: string } } | undefined;
        if (e?.code === '23505' || e?.cause?.code === '23505') throw conflict('pair_exists', 'These two are paired already (a pair that has not been ended).');
        throw err;
      });
    return pairView(pair, today);
  }

  private async firmSides(input: Extract<NewPair, { kind: 'firm' }>, inside: Set<string>) {
    if (!inside.has(input.mentorOrganizationId) || !inside.has(input.menteeOrganizationId)) throw forbidden(NOT_ADMINISTERED);
    const [mentor] = await this.organizations.ancestors(input.mentorOrganizationId);
    const [mentee] = await this.organizations.ancestors(input.menteeOrganizationId);
    if (!mentor || mentor.kind !== 'firm' || mentor.county) throw badRequest('pair_mentor_not_city_firm', 'The mentor side of a firm pair is a law firm in a city (not a county firm).');
    if (!mentee || mentee.kind !== 'firm' || !mentee.county) throw badRequest('pair_mentee_not_county_firm', 'The mentee side of a firm pair is a county law firm.');
    if (mentor.closedAt || mentee.closedAt) throw badRequest('organization_closed', 'The organization is closed.');
    return { mentorOrganizationId: mentor.id, menteeOrganizationId: mentee.id };
  }

  private async lawyerSides(input: Extract<NewPair, { kind: 'lawyer' }>, inside: Set<string>, startsOn: string) {
    const [mentor, mentee] = await Promise.all([this.lawyerNamed(input.mentor, inside), this.lawyerNamed(input.mentee, inside)]);
    if (mentor.id === mentee.id) throw badRequest('pair_same_lawyer', 'A lawyer cannot mentor themself.');
    if (!isYoungLawyer(mentee.practiceStartedOn, startsOn)) {
      throw badRequest(
        'mentee_not_young',
        mentee.practiceStartedOn
          ? `${mentee.name} started practising on ${mentee.practiceStartedOn}: on ${startsOn} that is ${YOUNG_LAWYER_YEARS} years or more, so not a young lawyer.`
          : `The roster has no practice start date (执业开始日期) for ${mentee.name}; a young lawyer is one practising under ${YOUNG_LAWYER_YEARS} years.`,
      );
    }
    if (isYoungLawyer(mentor.practiceStartedOn, startsOn)) throw badRequest('mentor_too_junior', `${mentor.name} has practised under ${YOUNG_LAWYER_YEARS} years; a mentor is a senior lawyer.`);
    return { mentorUserId: mentor.id, menteeUserId: mentee.id };
  }

  private async lawyerNamed(key: string, inside: Set<string>): Promise<Lawyer> {
    const lawyer = await this.repo.lawyer(key.trim());
    if (!lawyer) throw badRequest('lawyer_unknown', `No lawyer has the licence number or login ${key.trim()}.`);
    if (!lawyer.licenseNo) throw badRequest('not_a_lawyer', `${key.trim()} is not a lawyer's account (it has no licence number).`);
    if (!inside.has(lawyer.organizationId)) throw forbidden(NOT_ADMINISTERED);
    if (lawyer.disabled) throw badRequest('lawyer_disabled', `${lawyer.name}'s account is disabled.`);
    return lawyer;
  }

  async listPairs(user: SessionUser, organizationId: string): Promise<PairList> {
    await this.access.assertRole(user, organizationId, 'admin');
    const today = this.today();
    return { today, items: (await this.repo.listPairs(organizationId, today)).map((p) => pairView(p, today)) };
  }

  /** Ends the pair now: the mentor side stops seeing the mentees the same moment. */
  async endPair(user: SessionUser, pairId: string, ip: string) {
    const today = this.today();
    const pair = await this.repo.findPair(pairId, today);
    if (!pair) {
      if (user.roles.some((r) => r.role === 'admin')) throw notFound('The pair');
      throw forbidden(NOT_ADMINISTERED);
    }
    await this.access.assertRole(user, pair.organizationId, 'admin');
    const ended = await this.repo.transaction(async (repo, tx) => {
      if (!(await repo.endPair(pairId, user.id))) throw conflict('pair_ended', 'This pair has been ended already.');
      const after = (await repo.findPair(pairId, today))!;
      await AuditLog.record(tx, { actor: user, action: 'pairing.pair_ended', organizationId: pair.organizationId, targetType: 'pair', targetId: pairId, before: pairState(pair), after: pairState(after), ip });
      return after;
    });
    return pairView(ended, today);
  }

  /** The active pairs where I am the mentor side, each with its mentees and recommendations. */
  async myMentoring(user: SessionUser) {
    const today = this.today();
    const pairs = await this.repo.mentorPairs(user.id, directAdminOf(user), today);
    const recommendations = await this.repo.recommendations(pairs.map((p) => p.id));
    const items = await Promise.all(
      pairs.map(async (p) => ({
        ...pairView(p, today),
        mentees: (await this.repo.mentees(p)).map(lawyerView),
        recommendations: recommendations.filter((r) => r.pairId === p.id).map(recommendationView),
      })),
    );
    return { items };
  }

  /** A mentee's progress, read-only: 403 unless I am the mentor side of this active pair and they its mentee. */
  async menteeProgress(user: SessionUser, pairId: string, menteeId: string) {
    const { pair, mentee, today } = await this.mentorOf(user, pairId, menteeId);
    const recommendations = await this.repo.recommendations([pair.id]);
    const asMentee: SessionUser = { id: mentee.id, login: mentee.login, name: mentee.name, organizationId: mentee.organizationId, roles: [], passwordChangeRequired: false };
    const [requirement, resume, progress] = await Promise.all([
      this.requirements.myRequirement(asMentee),
      this.learning.resume(mentee.id),
      this.learning.courseProgress(mentee.id, [...new Set(recommendations.map((r) => r.courseId))]),
    ]);
    const progressOf = new Map(progress.map((p) => [p.courseId, p]));
    return {
      pair: pairView(pair, today),
      mentee: lawyerView(mentee),
      requirement,
      resume: resumeView(resume),
      recommendations: recommendations.map((r) => ({ ...recommendationView(r), progress: courseProgress(progressOf.get(r.courseId)) })),
    };
  }

  /** The mentor side recommends a published course to the pair's mentee(s). */
  async recommend(user: SessionUser, pairId: string, courseId: string, note: string | null) {
    const pair = await this.activeMentorPair(user, pairId);
    const course = await this.repo.publishedCourse(courseId);
    if (!course) throw badRequest('unknown_course', 'The chosen course was not found or is not published.');
    const text = note?.trim() || null;
    const id = await this.repo.insertRecommendation({ pairId: pair.id, courseId, note: text, recommendedBy: user.id });
    if (!id) throw conflict('already_recommended', `${course.title} has been recommended in this pair already.`);
    const [created] = (await this.repo.recommendations([pair.id])).filter((r) => r.id === id);
    return recommendationView(created!);
  }

  /** For /me: what my mentors (of my active pairs) recommended, with my progress on each course. */
  async myRecommendations(user: SessionUser) {
    const today = this.today();
    const pairs = await this.repo.menteePairs(user.id, user.organizationId, today);
    const recommendations = await this.repo.recommendations(pairs.map((p) => p.id));
    const progress = await this.learning.courseProgress(user.id, [...new Set(recommendations.map((r) => r.courseId))]);
    const progressOf = new Map(progress.map((p) => [p.courseId, p]));
    const pairOf = new Map(pairs.map((p) => [p.id, p]));
    return {
      mentors: pairs.map((p) => ({ pairId: p.id, kind: p.kind, name: p.mentor.name, firm: p.mentor.firm?.name ?? null })),
      items: recommendations.map((r) => ({ ...recommendationView(r), mentor: pairOf.get(r.pairId)!.mentor.name, progress: courseProgress(progressOf.get(r.courseId)) })),
    };
  }

  private async activeMentorPair(user: SessionUser, pairId: string): Promise<PairRecord> {
    const pair = await this.repo.findPair(pairId, this.today());
    if (!pair || !pair.active || !isMentorSide(user, pair)) throw forbidden(NOT_MENTOR);
    return pair;
  }

  private async mentorOf(user: SessionUser, pairId: string, menteeId: string) {
    const pair = await this.activeMentorPair(user, pairId);
    const mentee = (await this.repo.mentees(pair)).find((m) => m.id === menteeId);
    if (!mentee) throw forbidden(NOT_MENTOR);
    return { pair, mentee, today: this.today() };
  }
}

/** Organizations I administer by a grant on them directly: a city firm's director and administrators. */
function directAdminOf(user: SessionUser): string[] {
  return user.roles.filter((r) => r.role === 'admin').map((r) => r.organizationId);
}

export function isMentorSide(user: SessionUser, pair: { kind: PairKind; mentor: { id: string } }): boolean {
  return pair.kind === 'lawyer' ? pair.mentor.id === user.id : directAdminOf(user).includes(pair.mentor.id);
}

function recommendationView(r: { id: string; courseId: string; courseTitle: string; note: string | null; recommendedBy: { id: string; name: string } | null; createdAt: Date; pairId: string }) {
  return { id: r.id, pairId: r.pairId, courseId: r.courseId, courseTitle: r.courseTitle, note: r.note, recommendedBy: r.recommendedBy, createdAt: r.createdAt.toISOString() };
}

function pairState(p: PairRecord) {
  return { kind: p.kind, mentor: p.mentor.name, mentorId: p.mentor.id, mentee: p.mentee.name, menteeId: p.mentee.id, startsOn: p.startsOn, endsOn: p.endsOn, endedAt: p.endedAt?.toISOString() ?? null };
}
