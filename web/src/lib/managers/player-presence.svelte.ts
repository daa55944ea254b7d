/**
 * The presence prompt: a check from a heartbeat answer is shown as a picture of a code; what the
 * person types is posted back. A wrong code keeps the check open; another 4xx means the check is
 * gone (expired, replaced, too many tries: a new one follows); no answer keeps it open with a note.
 */
import { ApiError } from '../api/client.ts';
import type { PresenceCheck } from '../api/types.ts';

export type ConfirmPresence = (sessionId: string, checkId: string, code: string) => Promise<void>;

export class PresencePrompt {
  check = $state.raw<PresenceCheck | null>(null);
  /** what the person typed from the check's picture */
  code = $state('');
  /** the last try was a wrong code */
  wrong = $state(false);
  /** the last try got no answer */
  failed = $state(false);
  confirming = $state(false);

  constructor(
    private readonly confirmPresence: ConfirmPresence,
    private readonly noteFailure: (error: unknown) => unknown = (error) => error,
  ) {}

  open(check: PresenceCheck): void {
    this.check = check;
    this.failed = false;
    this.wrong = false;
    this.code = '';
  }

  async confirm(sessionId: string): Promise<void> {
    const check = this.check;
    const code = this.code.trim();
    if (!check || !code || this.confirming) return;
    this.confirming = true;
    try {
      await this.confirmPresence(sessionId, check.id, code);
      this.check = null;
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        this.wrong = true; // a wrong code: the check stays open, the person looks again
        this.code = '';
      } else {
        this.noteFailure(error);
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) this.check = null;
        else this.failed = true;
      }
    } finally {
      this.confirming = false;
    }
  }
}
