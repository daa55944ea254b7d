/**
 * What the health routes know without doing I/O per request.
 *
 * `StorageProbe` writes and removes a probe object (Storage.checkWritable) on start and then at
 * most once per interval (HEALTH_STORAGE_PROBE_SECONDS, default 30), never two at once, each
 * bounded by a timeout; the routes read the cached state. `StateLog` logs a change of state once,
 * not every probe or request, so a balancer polling every few seconds does not flood the log.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Storage } from '../storage/index.ts';

export type StorageState = 'unknown' | 'ok' | 'unavailable';

/** A probe that takes longer than this counts as a failure (a hung store must not hang health). */
export const PROBE_TIMEOUT_MS = 10_000;

export class ProbeTimeoutError extends Error {}

/** `promise`, or a ProbeTimeoutError after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeoutError(`${what}: no answer in ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Logs `down` once when a dependency starts failing and `up` once when it answers again. */
export class StateLog {
  private failing = false;

  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly what: string,
  ) {}

  ok(): void {
    if (!this.failing) return;
    this.failing = false;
    this.log.info(`health: ${this.what} answers again`);
  }

  failed(err: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.log.warn({ err }, `health: ${this.what} is unavailable`);
  }
}

export interface StorageProbeOptions {
  intervalMs: number;
  timeoutMs?: number;
  log: FastifyBaseLogger;
}

export class StorageProbe {
  private state: StorageState = 'unknown';
  private running: Promise<StorageState> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly stateLog: StateLog;
  /** probes done so far (tests and diagnostics) */
  probes = 0;

  constructor(
    private readonly storage: Pick<Storage, 'checkWritable'>,
    private readonly options: StorageProbeOptions,
  ) {
    this.stateLog = new StateLog(options.log, 'storage');
  }

  /** The last probe's answer; 'unknown' until the first one is in. */
  get current(): StorageState {
    return this.state;
  }

  /** Starts probing: now, then `intervalMs` after each probe ends. */
  start(): void {
    this.stopped = false;
    void this.probe();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The state once the first probe has answered (no new probe if one is known). */
  async settled(): Promise<StorageState> {
    if (this.state === 'unknown') return this.running ?? this.probe();
    return this.state;
  }

  /** Probes now, or joins the probe under way. */
  probe(): Promise<StorageState> {
    if (this.running) return this.running;
    clearTimeout(this.timer);
    this.running = this.check().finally(() => {
      this.running = undefined;
      this.schedule();
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.probe(), this.options.intervalMs);
    this.timer.unref();
  }

  private async check(): Promise<StorageState> {
    this.probes += 1;
    try {
      await within(this.storage.checkWritable(), this.options.timeoutMs ?? PROBE_TIMEOUT_MS, 'storage probe');
      if (this.state === 'unknown') this.options.log.debug('health: storage is writable');
      this.state = 'ok';
      this.stateLog.ok();
    } catch (err) {
      this.state = 'unavailable';
      this.stateLog.failed(err);
    }
    return this.state;
  }
}
