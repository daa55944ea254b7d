/**
 * The demo's lawyers (pure): names, licence numbers and the profile the requirement rules read,
 * drawn from a seeded PRNG so every fresh demo has the same people.
 *
 * Licence numbers (执业证号) follow the 17-digit shape of the Ministry of Justice's 2017 numbering
 * as far as it could be reconstructed from public descriptions — a plausible pattern, not a
 * verified one: 1 (a lawyer's licence) + the first four digits of the firm's region code
 * (province and city) + the year first licensed + 1 full-time / 2 part-time (专职/兼职) + 1 man /
 * 0 woman + a 6-digit serial. The core demo's two numbers (15107202110000001, 16205202210000002)
 * fit it; the serials here start at 101 so they never meet those.
 */
import { FEMALE_GIVEN, MALE_GIVEN, SURNAMES, type FirmSpec } from './province-data.ts';
import { Random } from './random.ts';

export interface DemoLawyer {
  /** position in the generated list: what everything else about the lawyer is derived from */
  index: number;
  firm: FirmSpec['key'];
  name: string;
  sex: 'man' | 'woman';
  licenseNo: string;
  /** YYYY-MM-DD in China; null for a few whose start the roster never gave */
  practiceStartedOn: string | null;
  partTime: boolean;
  birthYear: number | null;
  /** first licensed in the training year itself: the pro-rating rules apply */
  newThisYear: boolean;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3600_000;

/** The day (in China) of an instant, as YYYY-MM-DD. */
export function shanghaiDay(instant: number): string {
  return new Date(instant + SHANGHAI_MS).toISOString().slice(0, 10);
}

/**
 * `perFirm` lawyers for each firm, in firm order. `year` is the training year, `yearStart` its
 * first instant and `now` the seed's moment (no one starts practising after it).
 */
export function planLawyers(seed: number, firms: readonly FirmSpec[], year: number, yearStart: number, now: number): DemoLawyer[] {
  const taken = new Set<string>();
  const serials = new Map<string, number>();
  const lawyers: DemoLawyer[] = [];
  for (const firm of firms) {
    for (let n = 0; n < firm.lawyers; n++) {
      const index = lawyers.length;
      const rng = Random.derive(seed, 'lawyer', index);
      const sex = rng.chance(0.62) ? 'man' : 'woman';
      // names are unique in the demo so a report row is easy to find again
      let name = '';
      for (let tries = 0; tries < 50 && (name === '' || taken.has(name)); tries++) {
        name = rng.weighted(SURNAMES) + rng.pick(sex === 'man' ? MALE_GIVEN : FEMALE_GIVEN);
      }
      taken.add(name);

      // about 6% licensed this year, 4% at or past the exempt age, the rest spread over 30 years
      const kind = rng.weighted([['new', 6], ['senior', 4], ['regular', 90]] as const);
      const thisYearSoFar = now - yearStart;
      const newThisYear = kind === 'new' && thisYearSoFar > 14 * DAY_MS;
      let licensed: number;
      let birthYear: number;
      let started: string;
      if (newThisYear) {
        licensed = year;
        birthYear = year - rng.int(24, 31);
        started = shanghaiDay(yearStart + Math.floor(rng.between(0, thisYearSoFar - 7 * DAY_MS) / DAY_MS) * DAY_MS);
      } else if (kind === 'senior') {
        birthYear = year - rng.int(65, 72);
        licensed = Math.min(year - 1, birthYear + rng.int(28, 40));
        started = `${licensed}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`;
      } else {
        licensed = rng.int(Math.max(1993, year - 30), year - 1);
        birthYear = licensed - rng.weighted([[24, 3], [25, 4], [26, 4], [27, 3], [28, 2], [30, 2], [33, 1], [38, 1]] as const);
        started = `${licensed}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`;
      }
      const partTime = !newThisYear && rng.chance(0.06);
      const region = firm.regionCode.slice(0, 4);
      const serialKey = `${region}${licensed}`;
      const serial = (serials.get(serialKey) ?? 100) + 1;
      serials.set(serialKey, serial);
      const licenseNo = `1${region}${licensed}${partTime ? 2 : 1}${sex === 'man' ? 1 : 0}${pad(serial, 6)}`;
      lawyers.push({
        index,
        firm: firm.key,
        name,
        sex,
        licenseNo,
        practiceStartedOn: !newThisYear && rng.chance(0.04) ? null : started,
        partTime,
        birthYear: rng.chance(0.03) ? null : birthYear,
        newThisYear,
      });
    }
  }
  return lawyers;
}
