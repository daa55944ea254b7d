/** The evidence page's pure helpers: China Standard Time whatever the machine's zone, numbers, the year in the URL. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classHours, percent, requestedYear, seconds, shanghaiDate, shanghaiTime, shanghaiTimeAfter } from '../../web/src/routes/evidence/evidence-view.ts';

describe('times in Asia/Shanghai', () => {
  it('shows UTC instants as Beijing time, across the date line of a training year', () => {
    expect(shanghaiTime('2025-12-31T16:00:00.000Z')).toBe('2026-01-01 00:00:00');
    expect(shanghaiTime('2026-05-01T01:59:59.999Z')).toBe('2026-05-01 09:59:59');
    // the last day of the half-open year [2026-01-01, 2027-01-01) in Shanghai
    expect(shanghaiDate('2026-12-31T16:00:00.000Z', true)).toBe('2026-12-31');
    expect(shanghaiDate('2026-12-31T16:00:00.000Z')).toBe('2027-01-01');
  });

  it('leaves out the date when it is the same Shanghai day', () => {
    expect(shanghaiTimeAfter('2026-05-01T03:00:00Z', '2026-05-01T01:00:00Z')).toBe('11:00:00');
    // 16:30 UTC is the next morning in Shanghai
    expect(shanghaiTimeAfter('2026-05-01T16:30:00Z', '2026-05-01T01:00:00Z')).toBe('2026-05-02 00:30:00');
  });

  it('property: the text read back as UTC+8 is the instant, to the second', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const text = shanghaiTime(new Date(ms).toISOString());
        expect(Date.parse(`${text.replace(' ', 'T')}+08:00`)).toBe(Math.floor(ms / 1000) * 1000);
      }),
    );
  });
});

describe('numbers', () => {
  it('seconds to a tenth, shares to a tenth of a percent, 学时 to a hundredth', () => {
    expect([seconds(7), seconds(20.033), seconds(4.96), seconds(0.25), seconds(0)]).toEqual(['7', '20', '5', '0.3', '0']);
    expect([percent(1), percent(0.9984), percent(0.25), percent(0)]).toEqual(['100%', '99.8%', '25%', '0%']);
    expect([classHours(1, 45), classHours(90, 45), classHours(50, 40), classHours(10, 0)]).toEqual([0.02, 2, 1.25, 0]);
  });
});

describe('requestedYear', () => {
  it('takes a year the server takes, else leaves it to the server', () => {
    const of = (search: string) => requestedYear(new URLSearchParams(search));
    expect(of('?year=2026')).toBe(2026);
    expect([of(''), of('?year='), of('?year=1999'), of('?year=2101'), of('?year=20x6'), of('?year=02026'), of('?year=2026.5')]).toEqual([null, null, null, null, null, null, null]);
  });
});
