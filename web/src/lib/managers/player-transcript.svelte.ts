/**
 * The transcript panel's state (TranscriptPanel.svelte): the cues of the lecture's first subtitle
 * language, fetched once when the panel opens or an audio mode needs the caption line, whether
 * the panel is open, and its search. The current cue follows the media time (the controller).
 */
import { cuesMatching, type TranscriptCue } from '../player/transcript.ts';

export type TranscriptStatus = 'idle' | 'loading' | 'ready' | 'failed';

export class TranscriptState {
  status = $state<TranscriptStatus>('idle');
  cues = $state.raw<TranscriptCue[]>([]);
  open = $state(false);
  query = $state('');
  readonly matches = $derived(cuesMatching(this.cues, this.query));

  constructor(
    private readonly load: ((lectureId: string) => Promise<TranscriptCue[]>) | undefined,
    private readonly noteFailure: (error: unknown) => unknown,
  ) {}

  /** Fetches the cues unless they are here or on their way. */
  ensure(lectureId: string): void {
    if (!this.load || this.status === 'loading' || this.status === 'ready') return;
    this.status = 'loading';
    this.load(lectureId).then(
      (cues) => {
        this.cues = cues;
        this.status = 'ready';
      },
      (error) => {
        this.noteFailure(error);
        this.status = 'failed';
      },
    );
  }
}
