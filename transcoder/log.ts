/**
 * The transcoder process's log lines: one JSON object a line, like the API's pino lines, with the
 * level, an ISO timestamp and the message first (docs/operations.md, "Logs"). In the embedded
 * mode the worker logs through the API's pino logger instead.
 */
import type { WorkerLogger } from './worker.ts';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
type Level = keyof typeof LEVELS;

function line(level: 'info' | 'warn' | 'error', msg: string | undefined, fields: object): string {
  return JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields });
}

/** A logger that writes to stdout (info) and stderr (warn, error) from `minLevel` up (LOG_LEVEL). */
export function jsonLogger(minLevel: string = 'info'): WorkerLogger {
  const min = LEVELS[minLevel as Level] ?? LEVELS.info;
  const noop = () => {};
  return {
    info: min <= LEVELS.info ? (o, m) => console.log(line('info', m, o)) : noop,
    warn: min <= LEVELS.warn ? (o, m) => console.warn(line('warn', m, o)) : noop,
    error: min <= LEVELS.error ? (o, m) => console.error(line('error', m, o)) : noop,
  };
}
