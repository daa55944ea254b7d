/**
 * The dashboard's and bulletin's rules (server/bulletin/period.ts, figures.ts, commendation.ts):
 * periods, young lawyers, sums up the tree, and the commendation list — pinned by examples and
 * checked as properties over random trees and lawyers (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { commendFirms, commendLawyers, eligibleFirm, eligibleLawyer, firmKey, lawyerKey, type CommendationRules, type FirmCandidate, type LawyerCandidate } from '../../server/bulletin/commendation.ts';
import { figuresOf, isYoungLawyer, type LawyerInput, type OrgNode } from '../../server/bulletin/figures.ts';
import { parsePeriod } from '../../server/bulletin/period.ts';

describe('periods', () => {
  test('a year, a quarter, a month; quarters follow the training year’s start month', () => {
    const y = parsePeriod('2026', 1)!;
    expect([y.kind, y.start.toISOString(), y.end.toISOString(), y.months.length]).toEqual(['year', '2025-12-31T16:00:00.000Z', '2026-12-31T16:00:00.000Z', 12]);
    expect(parsePeriod('2026-Q2', 1)!.months).toEqual(['2026-04', '2026-05', '2026-06']);
    // Shanghai's online year starts in April: its Q1 is April–June, and its year 2026 ends in March 2027
    const sh = parsePeriod('2026-Q4', 4)!;
    expect([sh.months, sh.year, sh.label.zh]).toEqual([['2027-01', '2027-02', '2027-03'], 2026, '2026培训年度第四季度']);
    const march = parsePeriod('2027-03', 4)!;
    expect([march.year, march.yearToDateMonths.length, march.label]).toEqual([2026, 12, { zh: '2027年3月', en: 'March 2027' }]);
    for (const bad of ['2026-13', '2026-00', '1999', '2026-Q0', '26']) expect(parsePeriod(bad, 1), bad).toBeNull();
  });

  test('property: a period lies inside its training year; its months are contiguous and end the year-to-date axis', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }), fc.oneof(fc.constant(''), fc.integer({ min: 1, max: 4 }).map((q) => `-Q${q}`), fc.integer({ min: 1, max: 12 }).map((m) => `-${String(m).padStart(2, '0')}`)), (year, startMonth, suffix) => {
        const p = parsePeriod(`${year}${suffix}`, startMonth)!;
        expect(p.start.getTime()).toBeGreaterThanOrEqual(p.yearStart.getTime());
        expect(p.end.getTime()).toBeLessThanOrEqual(p.yearEnd.getTime());
        expect(p.months.length).toBe(p.kind === 'year' ? 12 : p.kind === 'quarter' ? 3 : 1);
        expect(p.yearToDateMonths.slice(-p.months.length)).toEqual(p.months);
        expect(p.yearToDateMonths.length).toBeLessThanOrEqual(12);
      }),
    );
  });
});

describe('young lawyers (执业不满三年)', () => {
  test('under three years at the day; an unknown start is never young', () => {
    expect(isYoungLawyer('2024-07-01', '2027-06-30')).toBe(true);
    expect(isYoungLawyer('2024-07-01', '2027-07-01')).toBe(false);
    expect(isYoungLawyer(null, '2027-06-30')).toBe(false);
    expect(isYoungLawyer('2028-01-01', '2027-06-30')).toBe(false);
  });
  test('property: once not young, never young again', () => {
    const day = fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, day, day, (start, a, b) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        if (early >= start && !isYoungLawyer(start, early)) expect(isYoungLawyer(start, late)).toBe(false);
      }),
    );
  });
});

/** national → 2 provinces → 2 cities each → firms: a tree and lawyers drawn at random */
const tree: OrgNode[] = [{ id: 'n', parentId: null, kind: 'national', name: '全国', regionCode: '100000', county: false }];
for (const p of [1, 2]) {
  tree.push({ id: `p${p}`, parentId: 'n', kind: 'province', name: `省${p}`, regionCode: `${p}00000`, county: false });
  for (const c of [1, 2]) {
    tree.push({ id: `c${p}${c}`, parentId: `p${p}`, kind: 'city', name: `市${p}${c}`, regionCode: `${p}0${c}000`, county: false });
    for (const f of [1, 2, 3]) tree.push({ id: `f${p}${c}${f}`, parentId: `c${p}${c}`, kind: 'firm', name: `所${p}${c}${f}`, regionCode: `${p}0${c}0${f}0`, county: f !== 1 });
  }
}
// one firm straight under a province (no city)
tree.push({ id: 'f2x', parentId: 'p2', kind: 'firm', name: '直属所', regionCode: '200099', county: true });
const firmIds = tree.filter((o) => o.kind === 'firm').map((o) => o.id);

const lawyerArb = fc.record({
  firm: fc.constantFrom(...firmIds),
  started: fc.option(fc.constantFrom('2010-01-01', '2025-03-01', '2026-09-01'), { nil: null }),
  yearMinutes: fc.nat({ max: 3000 }),
  period: fc.nat({ max: 1000 }),
  completions: fc.nat({ max: 5 }),
  planned: fc.boolean(),
  met: fc.boolean(),
});

describe('figures summed up the tree', () => {
  test('property: the total is the sum of its provinces; county + city firms = all; shares are bounded', () => {
    fc.assert(
      fc.property(fc.array(lawyerArb, { maxLength: 60 }), (drawn) => {
        const county = new Map(tree.map((o) => [o.id, o.county]));
        const lawyers: LawyerInput[] = drawn.map((d, i) => ({ id: `u${i}`, name: `律师${i}`, licenseNo: String(i), firmId: d.firm, county: county.get(d.firm)!, practiceStartedOn: d.started, yearMinutes: d.yearMinutes + d.period, planned: d.planned, met: d.planned ? d.met : null }));
        const periodByLawyer = drawn.map((d, i) => ({ userId: `u${i}`, onlineMinutes: d.period, inPersonMinutes: 0, completions: d.completions }));
        const f = figuresOf({ organizations: tree, rootId: 'n', lawyers, periodByLawyer, firmMonths: [], months: ['2026-12'], lastDay: '2026-12-31' });
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        expect(f.total.all.lawyers).toBe(lawyers.length);
        expect(sum(f.provinces.map((p) => p.all.lawyers))).toBe(lawyers.length);
        expect(sum(f.provinces.map((p) => p.all.periodMinutes))).toBe(f.total.all.periodMinutes);
        expect(sum(f.cities.map((c) => c.all.lawyers))).toBe(lawyers.filter((l) => l.firmId !== 'f2x').length);
        for (const g of [f.total, ...f.provinces, ...f.cities]) {
          expect(g.countyFirms.lawyers + g.cityFirms.lawyers).toBe(g.all.lawyers);
          expect(g.countyFirms.met + g.cityFirms.met).toBe(g.all.met);
          expect(g.all.participants).toBeLessThanOrEqual(g.all.lawyers);
          expect(g.all.met).toBeLessThanOrEqual(g.all.planned);
          expect(g.young.lawyers).toBeLessThanOrEqual(g.all.lawyers);
          expect(g.firms.countyParticipating).toBeLessThanOrEqual(g.firms.county);
        }
        expect(f.total.firms.county + f.total.firms.city).toBe(firmIds.length);
        expect(f.total.young.lawyers).toBe(drawn.filter((d) => d.started === '2025-03-01' || d.started === '2026-09-01').length);
      }),
    );
  });
});

describe('commendation', () => {
  const rulesArb = fc.record({
    lawyersBy: fc.constantFrom('class_hours' as const, 'completions' as const),
    firmsBy: fc.constantFrom('class_hours_per_lawyer' as const, 'class_hours' as const, 'completions' as const, 'compliance' as const),
    top: fc.integer({ min: 1, max: 8 }),
    minClassHours: fc.constantFrom(0, 1, 5),
    countyOnly: fc.boolean(),
    minFirmLawyers: fc.integer({ min: 1, max: 3 }),
  });
  const lawyerCandidate = fc.record({ name: fc.constantFrom('甲', '乙', '丙'), county: fc.boolean(), periodMinutes: fc.nat({ max: 600 }), completions: fc.nat({ max: 4 }) });
  const firmCandidate = fc.record({ name: fc.constantFrom('甲所', '乙所'), county: fc.boolean(), lawyers: fc.integer({ min: 1, max: 5 }), periodMinutes: fc.nat({ max: 2000 }), completions: fc.nat({ max: 6 }), planned: fc.nat({ max: 5 }), met: fc.nat({ max: 5 }) });

  test('property: at most top, all eligible, in order, nobody left out beats the last one listed, order of input does not matter', () => {
    fc.assert(
      fc.property(rulesArb, fc.array(lawyerCandidate, { maxLength: 25 }), fc.array(firmCandidate, { maxLength: 15 }), (rules: CommendationRules, ls, fs) => {
        const lawyers: LawyerCandidate[] = ls.map((l, i) => ({ ...l, id: `u${i}`, licenseNo: String(1000 + i), firmId: 'f', firm: '所' }));
        const firms: FirmCandidate[] = fs.map((f, i) => ({ ...f, met: Math.min(f.met, f.planned), id: `f${i}`, regionCode: String(i) }));
        const listed = commendLawyers(lawyers, rules, 45);
        expect(listed.length).toBeLessThanOrEqual(rules.top);
        expect(listed.map((l) => l.rank)).toEqual(listed.map((_, i) => i + 1));
        for (const l of listed) expect(eligibleLawyer(l, rules, 45)).toBe(true);
        if (rules.countyOnly) for (const l of listed) expect(l.county).toBe(true);
        for (let i = 1; i < listed.length; i++) expect(lawyerKey(listed[i - 1]!, rules.lawyersBy)[0]).toBeGreaterThanOrEqual(lawyerKey(listed[i]!, rules.lawyersBy)[0]);
        const eligible = lawyers.filter((l) => eligibleLawyer(l, rules, 45));
        if (listed.length < rules.top) expect(listed.length).toBe(eligible.length);
        const last = listed.at(-1);
        if (last) for (const l of eligible.filter((e) => !listed.some((x) => x.id === e.id))) expect(lawyerKey(l, rules.lawyersBy)[0]).toBeLessThanOrEqual(lawyerKey(last, rules.lawyersBy)[0]);
        expect(commendLawyers([...lawyers].reverse(), rules, 45)).toEqual(listed);

        const firmList = commendFirms(firms, rules, 45);
        expect(firmList.length).toBeLessThanOrEqual(rules.top);
        for (const f of firmList) {
          expect(eligibleFirm(f, rules, 45)).toBe(true);
          expect(f.lawyers).toBeGreaterThanOrEqual(rules.minFirmLawyers);
          expect(f.periodMinutes / f.lawyers).toBeGreaterThanOrEqual(rules.minClassHours * 45);
        }
        for (let i = 1; i < firmList.length; i++) expect(firmKey(firmList[i - 1]!, rules.firmsBy)[0]).toBeGreaterThanOrEqual(firmKey(firmList[i]!, rules.firmsBy)[0]);
        expect(commendFirms([...firms].reverse(), rules, 45)).toEqual(firmList);
      }),
    );
  });

  test('ties go to the other figure, then the name', () => {
    const base = { firmId: 'f', firm: '所', county: true };
    const rules: CommendationRules = { lawyersBy: 'class_hours', firmsBy: 'class_hours', top: 3, minClassHours: 0, countyOnly: false, minFirmLawyers: 1 };
    const listed = commendLawyers(
      [
        { ...base, id: 'a', name: '乙', licenseNo: '2', periodMinutes: 90, completions: 0 },
        { ...base, id: 'b', name: '甲', licenseNo: '1', periodMinutes: 90, completions: 0 },
        { ...base, id: 'c', name: '丙', licenseNo: '3', periodMinutes: 90, completions: 1 },
        { ...base, id: 'd', name: '丁', licenseNo: '4', periodMinutes: 0, completions: 3 },
      ],
      rules,
      45,
    );
    // 丙 has a completion; 乙 (U+4E59) before 甲 (U+7532): names compare by code point, the same on every machine
    expect(listed.map((l) => l.id)).toEqual(['c', 'a', 'b']);
    expect(listed.map((l) => l.classHours)).toEqual([2, 2, 2]);
  });
});
