/**
 * Pure: a lecture's credit is set by the trainer, or its duration rounded down to whole minutes.
 * A trainer's figure never exceeds the recording: at most its duration rounded up to a whole minute
 * (a 44:30 recording may be credited 45 minutes, one 学时, but not 90); docs/credit.md.
 */
export function lectureCreditMinutes(lecture: { creditMinutesOverride: number | null; durationSeconds: number | null }): number {
  if (lecture.creditMinutesOverride != null) {
    const ceiling = creditMinutesCeiling(lecture.durationSeconds);
    return ceiling === null ? lecture.creditMinutesOverride : Math.min(lecture.creditMinutesOverride, ceiling);
  }
  return lecture.durationSeconds != null ? Math.floor(lecture.durationSeconds / 60) : 0;
}

/** The most credit minutes a lecture of this duration may be given; null while the duration is unknown. */
export function creditMinutesCeiling(durationSeconds: number | null): number | null {
  return durationSeconds != null && durationSeconds > 0 ? Math.ceil(durationSeconds / 60 - 1e-9) : null;
}
