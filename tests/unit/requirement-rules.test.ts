/**
 * The yearly requirement rules (server/requirements/rules.ts) and how they combine with plans
 * (server/requirements/requirement.ts): Shanghai's table exactly, then properties over any valid
 * rules — monotone in months practised, part-time never above full-time, exempt ages.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BUILT_IN_RULES,
  monthsPractised,
  requiredMinutesFor,
  rulesProblem,
  storedRules,
  type LawyerProfile,
  type RequirementOutcome,
  type RequirementRules,
} from '../../server/requirements/rules.ts';
import { isMet, yearRequirement } from '../../server/requirements/requirement.ts';
import { trainingYearRange } from '../../server/playback/credit.ts';

const SHANGHAI: RequirementRules = {
  annualClassHours: 40,
  proRating: [
    { minMonthsPractised: 6, classHours: 40 },
    { minMonthsPractised: 2, classHours: 20 },
  ],
  partTimeClassHours: 24,
  exemptFromAge: 65,
};

const lawyer = (over: Partial<LawyerProfile> = {}): LawyerProfile => ({ practiceStartedOn: null, partTime: false, birthYear: null, ...over });
const calendar2026 = trainingYearRange(2026, 1);
const april2026 = trainingYearRange(2026, 4);
const minutesOf = (o: RequirementOutcome): number => (o.kind === 'exempt' ? 0 : o.minutes);

describe('months practised in the training year (whole months, 满 N 个月)', () => {
  it('counts whole months from the start day to the end of the year', () => {
    expect(monthsPractised(null, calendar2026)).toBe(12);
    expect(monthsPractised('2020-05-17', calendar2026)).toBe(12);
    expect(monthsPractised('2026-01-01', calendar2026)).toBe(12);
    expect(monthsPractised('2026-01-02', calendar2026)).toBe(11);
    expect(monthsPractised('2026-07-01', calendar2026)).toBe(6);
    expect(monthsPractised('2026-07-02', calendar2026)).toBe(5);
    expect(monthsPractised('2026-12-31', calendar2026)).toBe(0);
    expect(monthsPractised('2027-01-01', calendar2026)).toBe(0);
    expect(monthsPractised('2031-03-01', calendar2026)).toBe(0);
  });
  it('follows a year that starts in April (Shanghai: 1 April – 31 March)', () => {
    expect(monthsPractised('2026-03-31', april2026)).toBe(12);
    expect(monthsPractised('2026-04-01', april2026)).toBe(12);
    expect(monthsPractised('2026-10-01', april2026)).toBe(6);
    expect(monthsPractised('2027-01-15', april2026)).toBe(2);
    expect(monthsPractised('2027-02-01', april2026)).toBe(2);
    expect(monthsPractised('2027-02-02', april2026)).toBe(1);
  });
});

describe("Shanghai's rules, exactly", () => {
  const hours = (l: LawyerProfile, year = 2026, range = calendar2026) => {
    const o = requiredMinutesFor(SHANGHAI, l, year, range, 45);
    return o.kind === 'exempt' ? o.reason : o.minutes / 45;
  };
  it('≥ 6 months practised → 40 学时; 2–6 months → 20; < 2 months → exempt', () => {
    expect(hours(lawyer())).toBe(40);
    expect(hours(lawyer({ practiceStartedOn: '2026-07-01' }))).toBe(40);
    expect(hours(lawyer({ practiceStartedOn: '2026-07-02' }))).toBe(20);
    expect(hours(lawyer({ practiceStartedOn: '2026-11-01' }))).toBe(20);
    expect(hours(lawyer({ practiceStartedOn: '2026-11-02' }))).toBe('new_practice');
    expect(hours(lawyer({ practiceStartedOn: '2027-02-01' }))).toBe('new_practice');
  });
  it('part-time 24; a part-timer who started late owes no more than a full-timer would', () => {
    expect(hours(lawyer({ partTime: true }))).toBe(24);
    expect(hours(lawyer({ partTime: true, practiceStartedOn: '2026-09-01' }))).toBe(20);
    expect(hours(lawyer({ partTime: true, practiceStartedOn: '2026-12-01' }))).toBe('new_practice');
  });
  it('65 and over exempt, by the age reached in the calendar year the training year starts in', () => {
    expect(hours(lawyer({ birthYear: 1961 }))).toBe('age');
    expect(hours(lawyer({ birthYear: 1940, partTime: true }))).toBe('age');
    expect(hours(lawyer({ birthYear: 1962 }))).toBe(40);
  });
  it('on the April year', () => {
    expect(hours(lawyer({ practiceStartedOn: '2026-10-01' }), 2026, april2026)).toBe(40);
    expect(hours(lawyer({ practiceStartedOn: '2026-10-02' }), 2026, april2026)).toBe(20);
    expect(hours(lawyer({ practiceStartedOn: '2027-02-02' }), 2026, april2026)).toBe('new_practice');
  });
  it('minutes follow the association’s minutes per 学时', () => {
    expect(requiredMinutesFor(SHANGHAI, lawyer(), 2026, calendar2026, 45)).toEqual({ kind: 'required', minutes: 1800, classHours: 40, reason: 'annual' });
    expect(requiredMinutesFor(SHANGHAI, lawyer({ practiceStartedOn: '2026-08-10' }), 2026, calendar2026, 40)).toEqual({ kind: 'required', minutes: 800, classHours: 20, reason: 'pro_rated' });
    expect(requiredMinutesFor(SHANGHAI, lawyer({ partTime: true }), 2026, calendar2026, 50)).toEqual({ kind: 'required', minutes: 1200, classHours: 24, reason: 'part_time' });
  });
});

describe('the built-in rules (nothing set up to the root) ask nothing beyond the plans', () => {
  it('0 学时 for everyone who practised in the year', () => {
    expect(rulesProblem(BUILT_IN_RULES)).toBeNull();
    expect(requiredMinutesFor(BUILT_IN_RULES, lawyer({ partTime: true, birthYear: 1930 }), 2026, calendar2026, 45)).toEqual({ kind: 'required', minutes: 0, classHours: 0, reason: 'annual' });
  });
});

describe('rules that cannot be applied are refused', () => {
  it('names the problem', () => {
    expect(rulesProblem({ ...SHANGHAI, proRating: [{ minMonthsPractised: 2, classHours: 30 }, { minMonthsPractised: 6, classHours: 20 }] })).toMatch(/more months/);
    expect(rulesProblem({ ...SHANGHAI, proRating: [{ minMonthsPractised: 6, classHours: 50 }] })).toMatch(/more than the 40/);
    expect(rulesProblem({ ...SHANGHAI, partTimeClassHours: 41 })).toMatch(/part-time/i);
    expect(rulesProblem({ ...SHANGHAI, proRating: [{ minMonthsPractised: 6, classHours: 20 }, { minMonthsPractised: 6, classHours: 30 }] })).toMatch(/twice/);
  });
  it('stored rules that do not fit the schema or the rules are ignored (the organization inherits)', () => {
    expect(storedRules(null)).toBeNull();
    expect(storedRules('{"annualClassHours":"forty"}')).toBeNull();
    expect(storedRules({ annualClassHours: 40, proRating: [{ minMonthsPractised: 3, classHours: 99 }] })).toBeNull();
    expect(storedRules(JSON.stringify(SHANGHAI))).toEqual(SHANGHAI);
    expect(storedRules(SHANGHAI)).toEqual(SHANGHAI);
  });
});

// ── properties over any valid rules ─────────────────────────────────────────

/** Any rules that rulesProblem accepts: a table sorted by months, hours never falling, all ≤ annual. */
const anyRules: fc.Arbitrary<RequirementRules> = fc.integer({ min: 0, max: 120 }).chain((annualClassHours) =>
  fc
    .record({
      months: fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { maxLength: 6 }),
      hours: fc.array(fc.integer({ min: 0, max: annualClassHours }), { minLength: 6, maxLength: 6 }),
      partTimeClassHours: fc.option(fc.integer({ min: 0, max: annualClassHours }), { nil: undefined }),
      exemptFromAge: fc.option(fc.integer({ min: 50, max: 80 }), { nil: undefined }),
    })
    .map(({ months, hours, partTimeClassHours, exemptFromAge }) => {
      const sortedMonths = [...months].sort((a, b) => a - b);
      const sortedHours = hours.slice(0, sortedMonths.length).sort((a, b) => a - b);
      const rules: RequirementRules = { annualClassHours, proRating: sortedMonths.map((m, i) => ({ minMonthsPractised: m, classHours: sortedHours[i]! })) };
      if (partTimeClassHours !== undefined) rules.partTimeClassHours = partTimeClassHours;
      if (exemptFromAge !== undefined) rules.exemptFromAge = exemptFromAge;
      return rules;
    }),
);

// mostly inside the 2026 training years, some before and after
const anyDate = fc.date({ min: new Date('2025-09-01T00:00:00Z'), max: new Date('2027-06-30T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const anyStartMonth = fc.integer({ min: 1, max: 12 });
const anyMinutesPerHour = fc.integer({ min: 1, max: 240 });
const anyProfile = fc.record({ practiceStartedOn: fc.option(anyDate, { nil: null }), partTime: fc.boolean(), birthYear: fc.option(fc.integer({ min: 1930, max: 2005 }), { nil: null }) });

describe('properties', () => {
  it('generated rules are valid rules', () => {
    fc.assert(fc.property(anyRules, (rules) => rulesProblem(rules) === null));
  });

  it('monotone in months practised: starting later never asks for more', () => {
    fc.assert(
      fc.property(anyRules, anyProfile, anyDate, anyDate, anyStartMonth, anyMinutesPerHour, (rules, profile, a, b, startMonth, per) => {
        const [earlier, later] = a <= b ? [a, b] : [b, a];
        const range = trainingYearRange(2026, startMonth);
        const early = requiredMinutesFor(rules, { ...profile, practiceStartedOn: earlier }, 2026, range, per);
        const late = requiredMinutesFor(rules, { ...profile, practiceStartedOn: later }, 2026, range, per);
        expect(monthsPractised(later, range)).toBeLessThanOrEqual(monthsPractised(earlier, range));
        expect(minutesOf(late)).toBeLessThanOrEqual(minutesOf(early));
      }),
    );
  });

  it('part-time never above full-time, and never above the annual amount', () => {
    fc.assert(
      fc.property(anyRules, anyProfile, anyStartMonth, anyMinutesPerHour, (rules, profile, startMonth, per) => {
        const range = trainingYearRange(2026, startMonth);
        const partTime = requiredMinutesFor(rules, { ...profile, partTime: true }, 2026, range, per);
        const fullTime = requiredMinutesFor(rules, { ...profile, partTime: false }, 2026, range, per);
        expect(minutesOf(partTime)).toBeLessThanOrEqual(minutesOf(fullTime));
        expect(minutesOf(fullTime)).toBeLessThanOrEqual(rules.annualClassHours * per);
        if (partTime.kind === 'required' && fullTime.kind === 'required') expect(partTime.classHours).toBeLessThanOrEqual(fullTime.classHours);
      }),
    );
  });

  it('exempt by age exactly from the exempt age, whatever else is true', () => {
    fc.assert(
      fc.property(anyRules, anyProfile, fc.integer({ min: 2000, max: 2100 }), anyMinutesPerHour, (rules, profile, year, per) => {
        const range = trainingYearRange(year, 1);
        const outcome = requiredMinutesFor(rules, profile, year, range, per);
        const old = rules.exemptFromAge !== undefined && profile.birthYear !== null && year - profile.birthYear >= rules.exemptFromAge;
        expect(outcome.kind === 'exempt' && outcome.reason === 'age').toBe(old);
      }),
    );
  });

  it('minutes are whole and equal 学时 × minutes per 学时', () => {
    fc.assert(
      fc.property(anyRules, anyProfile, anyMinutesPerHour, (rules, profile, per) => {
        const outcome = requiredMinutesFor(rules, profile, 2026, calendar2026, per);
        if (outcome.kind === 'required') {
          expect(Number.isInteger(outcome.minutes)).toBe(true);
          expect(outcome.minutes).toBe(outcome.classHours * per);
        }
      }),
    );
  });
});

// ── rules and plans ─────────────────────────────────────────────────────────

describe('the year’s requirement: rules where a plan covers the lawyer', () => {
  const plans = (over: Partial<Parameters<typeof yearRequirement>[1]> = {}) => ({ planCount: 1, planRequiredMinutes: 0, planElectiveMinutes: 0, ...over });
  const annual: RequirementOutcome = { kind: 'required', minutes: 1800, classHours: 40, reason: 'annual' };
  const proRated: RequirementOutcome = { kind: 'required', minutes: 900, classHours: 20, reason: 'pro_rated' };

  it('no plan: not planned, whatever the rules say', () => {
    expect(yearRequirement(annual, plans({ planCount: 0, planRequiredMinutes: 600 }))).toEqual({ kind: 'not_planned' });
    expect(isMet({ kind: 'not_planned' }, { creditMinutes: 5000, electiveCreditMinutes: 5000, missingCourses: [] })).toBeNull();
  });
  it('a plan raises the annual amount; it does not undo pro-rating, part-time or an exemption', () => {
    expect(yearRequirement(annual, plans({ planRequiredMinutes: 2400 }))).toEqual({ kind: 'required', minutes: 2400, electiveMinutes: 0, reason: 'annual' });
    expect(yearRequirement(annual, plans({ planRequiredMinutes: 600 }))).toMatchObject({ minutes: 1800 });
    expect(yearRequirement(proRated, plans({ planRequiredMinutes: 2400 }))).toMatchObject({ minutes: 900, reason: 'pro_rated' });
    expect(yearRequirement({ kind: 'exempt', reason: 'age' }, plans({ planRequiredMinutes: 2400 }))).toEqual({ kind: 'exempt', reason: 'age' });
  });
  it('the elective minimum is part of the year: it raises an annual target and is capped by a pro-rated one', () => {
    expect(yearRequirement({ ...annual, minutes: 0, classHours: 0 }, plans({ planElectiveMinutes: 600 }))).toMatchObject({ minutes: 600, electiveMinutes: 600 });
    expect(yearRequirement(proRated, plans({ planElectiveMinutes: 1200 }))).toMatchObject({ minutes: 900, electiveMinutes: 900 });
  });
  it('met: minutes, required courses and the elective minimum; exempt is met', () => {
    const r = yearRequirement(annual, plans({ planElectiveMinutes: 600 }));
    expect(isMet(r, { creditMinutes: 1800, electiveCreditMinutes: 600, missingCourses: [] })).toBe(true);
    expect(isMet(r, { creditMinutes: 1799, electiveCreditMinutes: 600, missingCourses: [] })).toBe(false);
    expect(isMet(r, { creditMinutes: 1800, electiveCreditMinutes: 599, missingCourses: [] })).toBe(false);
    expect(isMet(r, { creditMinutes: 9999, electiveCreditMinutes: 9999, missingCourses: [{ id: 'c', title: '职业道德' }] })).toBe(false);
    expect(isMet({ kind: 'exempt', reason: 'new_practice' }, { creditMinutes: 0, electiveCreditMinutes: 0, missingCourses: [{ id: 'c', title: '职业道德' }] })).toBe(true);
  });
});
