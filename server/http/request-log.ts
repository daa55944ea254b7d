/**
 * Request logging for production (docs/operations.md, "Logs"): at most one line per request, and
 * only for the requests an operator needs to see — server errors (5xx) and slow requests
 * (SLOW_REQUEST_MS and over). Fastify's own "incoming request" / "request completed" pair is off.
 *
 * This is Fastify's LogController (the `logController` option, which replaces the deprecated
 * `disableRequestLogging`) rather than an extra onResponse hook: Fastify calls
 * `requestCompleted` after every response anyway, so a heartbeat that logs nothing costs two
 * reads and two comparisons, and no hook is added to any route.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** pino's `timestamp` option: ISO time in every line (what pino.stdTimeFunctions.isoTime writes). */
export const isoTime = (): string => `,"time":"${new Date().toISOString()}"`;

/** The app's pino options: the configured level and ISO timestamps; `false` turns logging off. */
export function loggerOptions(level: string, given: boolean | object | undefined): false | object {
  if (given === false) return false;
  return { level, timestamp: isoTime, ...(typeof given === 'object' ? given : {}) };
}

/** The path without the query string (tokens, signatures and search terms stay out of logs). */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

const roundMs = (ms: number): number => Math.round(ms * 10) / 10;

/** Requests whose error line the error handler wrote already (so the response adds no second). */
const errorLogged = new WeakSet<FastifyRequest>();

/**
 * The error handler's line for a request that ends in a 5xx: written when the error happens
 * (with the error and its stack), and the only line of that request.
 */
export function logRequestError(request: FastifyRequest, reply: FastifyReply, statusCode: number, err: unknown, msg: string): void {
  errorLogged.add(request);
  const fields = { method: request.method, url: pathOf(request.url), statusCode, responseTime: roundMs(reply.elapsedTime), err };
  if (statusCode === 503) request.log.warn(fields, msg);
  else request.log.error(fields, msg);
}

export class RequestLog extends LogController {
  readonly slowRequestMs: number;

  constructor(options: { slowRequestMs: number }) {
    super({ disableRequestLogging: false });
    this.slowRequestMs = options.slowRequestMs;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const statusCode = reply.statusCode;
    const ms = reply.elapsedTime;
    if (statusCode < 400 && ms < this.slowRequestMs && !error) return; // the hot path
    if (errorLogged.has(request)) return;
    const fields = { method: request.method, url: pathOf(request.url), statusCode, responseTime: roundMs(ms) };
    if (error) reply.log.warn({ ...fields, err: error }, 'response failed');
    else if (statusCode >= 500) reply.log[statusCode === 503 ? 'warn' : 'error'](fields, 'request failed');
    else if (ms >= this.slowRequestMs) reply.log.warn(fields, 'slow request');
    else if (debugEnabled(reply)) reply.log.debug(fields, 'request refused');
  }

  /** A client that stops a download (a player switching renditions) is normal: debug, not info. */
  override streamError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
      if (debugEnabled(reply)) reply.log.debug({ url: pathOf(request.url) }, 'stream closed prematurely');
    } else {
      reply.log.warn({ url: pathOf(request.url), err: error }, 'response terminated with an error with headers already sent');
    }
  }
}

function debugEnabled(reply: FastifyReply): boolean {
  const level = reply.log.level;
  return level === 'debug' || level === 'trace';
}
