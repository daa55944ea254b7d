/** Pure: a lecture's credit is set by the trainer, or its duration rounded down to whole minutes. */
export function lectureCreditMinutes(lecture: { creditMinutesOverride: number | null; durationSeconds: number | null }): number {
  if (lecture.creditMinutesOverride != null) return lecture.creditMinutesOverride;
  return lecture.durationSeconds != null ? Math.floor(lecture.durationSeconds / 60) : 0;
}
