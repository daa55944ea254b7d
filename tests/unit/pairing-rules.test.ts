/** Pure rules of pairing (server/pairing/rules.ts): who is a young lawyer, Beijing dates, pair status. */
import { describe, expect, test } from 'vitest';
import { addYears, beijingToday, isYoungLawyer } from '../../server/pairing/rules.ts';
import { pairStatus } from '../../server/pairing/service.ts';
import type { PairRecord } from '../../server/pairing/repository.ts';

describe('young lawyer: practising under 3 years on the pair’s start date', () => {
  test('before the third anniversary of the practice start date', () => {
    expect(isYoungLawyer('2024-03-01', '2027-02-28')).toBe(true);
    expect(isYoungLawyer('2024-03-01', '2027-03-01')).toBe(false);
    expect(isYoungLawyer('2024-03-01', '2024-03-01')).toBe(true);
  });
  test('an unknown start date is not young (the roster did not say)', () => {
    expect(isYoungLawyer(null, '2026-01-01')).toBe(false);
  });
  test('29 February: the anniversary in a common year is 1 March', () => {
    expect(addYears('2024-02-29', 3)).toBe('2027-03-01');
    expect(isYoungLawyer('2024-02-29', '2027-02-28')).toBe(true);
    expect(isYoungLawyer('2024-02-29', '2027-03-01')).toBe(false);
  });
});

describe('Beijing dates', () => {
  test('16:00 UTC is the next day in Beijing', () => {
    expect(beijingToday(new Date('2026-12-31T15:59:59Z'))).toBe('2026-12-31');
    expect(beijingToday(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01');
  });
});

describe('pair status', () => {
  const pair = (p: Partial<PairRecord>) => ({ startsOn: '2026-03-01', endsOn: '2026-12-31', endedAt: null, ...p }) as PairRecord;
  test('scheduled, active from the first to the last day (both included), expired, ended', () => {
    expect(pairStatus(pair({}), '2026-02-28')).toBe('scheduled');
    expect(pairStatus(pair({}), '2026-03-01')).toBe('active');
    expect(pairStatus(pair({}), '2026-12-31')).toBe('active');
    expect(pairStatus(pair({}), '2027-01-01')).toBe('expired');
    expect(pairStatus(pair({ endsOn: null }), '2030-01-01')).toBe('active');
    expect(pairStatus(pair({ endedAt: new Date() }), '2026-06-01')).toBe('ended');
  });
});
