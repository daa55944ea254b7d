/**
 * The one place that reads the environment. Every setting has an embedded default so that
 * `npm start` works with no configuration; a bad value stops start-up with one line naming it.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface S3Config {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** Public base URL for signed URLs when the browser reaches S3 through another host (CDN). */
  publicEndpoint?: string;
  /**
   * S3_SHARED_PLAYLISTS (default true): media playlists name their segments by presigned URLs
   * shared per window, so no segment request reaches the API; false: small playlists and one
   * API 302 per segment (docs/storage.md, "Shared playlists": the trade-off on slow lines).
   */
  sharedPlaylists?: boolean;
}

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  /** unset → embedded PGlite under dataDir/pglite */
  databaseUrl?: string;
  /** PostgreSQL connections per process; small pools win on small machines (docs/benchmarks.md) */
  databasePoolSize: number;
  /** playback sessions each API process remembers so their next heartbeat is one statement (0: off; ~2.7 kB each) */
  heartbeatMemorySessions: number;
  dataDir: string;
  /** set → S3 storage, else a local folder under dataDir/storage */
  s3?: S3Config;
  sessionSecret: string;
  /** true when SESSION_SECRET was not given (embedded only) */
  sessionSecretGenerated: boolean;
  /** 'embedded' seeds the demo and runs the transcoder in-process */
  mode: 'embedded' | 'production';
  /** run the transcode worker inside the API process */
  inProcessWorker: boolean;
  workerConcurrency: number;
  ffmpegThreads: number;
  /** seconds a worker holds a job without renewing before another worker may take it over */
  workerLeaseSeconds: number;
  /** how often an idle worker looks for work */
  workerPollMs: number;
  ffmpegPath?: string;
  ffprobePath?: string;
  seedDemo: boolean;
  logLevel: string;
  /** requests taking this many milliseconds or more get a log line (SLOW_REQUEST_MS; 0 logs every request) */
  slowRequestMs: number;
  /** Set cookies `Secure`: on when PUBLIC_URL is https. */
  secureCookies: boolean;
  loginAttemptsPerMinute: number;
  /** how far back the login limit counts failures (LOGIN_WINDOW_SECONDS, default a minute) */
  loginWindowSeconds: number;
  maxUploadBytes: number;
  /** largest handout (PDF, Word, PowerPoint, Excel) a trainer may attach: 413 handout_too_large above (docs/handouts.md) */
  handoutMaxBytes: number;
  /**
   * Bytes one trainer's unfinished uploads may reserve together (their declared lengths); a new
   * upload that would go beyond is refused (docs/jobs-and-uploads.md). Default 3 × maxUploadBytes.
   */
  uploadQuotaBytes: number;
  /** days after its creation that an unfinished upload is deleted and stops counting against the quota */
  uploadExpiryDays: number;
  /** days a failed, superseded or replaced source original is kept in storage before it is deleted */
  sourceRetentionDays: number;
  maxDurationSeconds: number;
  /**
   * Trust X-Forwarded-For from these proxies (Fastify's trustProxy): off by default, or the
   * client address in evidence and the login limit could be forged.
   */
  trustProxy: boolean | string;
  /** seconds between background storage probes behind /api/health (docs/operations.md) */
  healthStorageProbeSeconds: number;
  /** what the web app shows as the site's identity (GET /api/site; docs/web.md, "Site identity") */
  site: SiteConfig;
  /** LRS_*: set → xAPI statements are delivered to this learning record store (docs/operations.md) */
  lrs?: LrsConfig;
}

/** A learning record store's statements API with basic auth. The password is never logged or shown. */
export interface LrsConfig {
  /** the xAPI base URL without credentials, no trailing slash; statements go to `${endpoint}/statements` */
  endpoint: string;
  username: string;
  password: string;
  /** statements per POST */
  batchSize: number;
  /** minutes a closed session stays quiet before its statements are final and queued */
  settleMinutes: number;
  /** seconds between looks for final sessions and due statements */
  pollSeconds: number;
  /** first retry delay; each further failure doubles it, up to an hour */
  retrySeconds: number;
  /** milliseconds one POST may take */
  timeoutMs: number;
}

/** SITE_*: unset fields are absent; the web app then shows its catalog's name (讲坛) and no ICP line. */
export interface SiteConfig {
  name?: string;
  /** an https/http URL or a path on this site ("/logo.png") */
  logoUrl?: string;
  footer?: string;
  /** the ICP 备案号, e.g. 蜀ICP备12345678号-1; shown linked to beian.miit.gov.cn */
  icp?: string;
  helpUrl?: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} must be true or false`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL (expected ${protocols.join(' or ')}//…)`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.join(' or ')}// (got ${parsed.protocol}//)`);
  }
  return raw;
}

/** 'true' trusts every proxy; otherwise a comma-separated list of addresses or CIDRs. */
function trustProxy(raw: string | undefined): boolean | string {
  if (raw === undefined || raw === '' || ['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (!/^[0-9a-fA-F:.,/\s]+$/.test(raw)) throw new ConfigError(`TRUST_PROXY=${JSON.stringify(raw)} must be true, false or a list of proxy addresses/CIDRs`);
  return raw;
}

/** One line of text for the page (SITE_NAME, SITE_FOOTER, SITE_ICP): no control characters, bounded. */
function siteText(env: Env, name: string, max: number): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(raw)) throw new ConfigError(`${name} must be one line of plain text`);
  if (raw.length > max) throw new ConfigError(`${name} is longer than ${max} characters`);
  return raw;
}

/** A link for the page (SITE_LOGO_URL, SITE_HELP_URL): http(s) or a path on this site, never javascript: or //host. */
function siteLink(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (raw.startsWith('/') && !raw.startsWith('//') && !/[\s\\]/.test(raw)) return raw;
  return url(env, name, ['http:', 'https:']);
}

/** LRS_ENDPOINT with LRS_USERNAME and LRS_PASSWORD; none set → no delivery. */
function lrs(env: Env): LrsConfig | undefined {
  const endpoint = url(env, 'LRS_ENDPOINT', ['http:', 'https:']);
  if (!endpoint) {
    if (env.LRS_USERNAME || env.LRS_PASSWORD) throw new ConfigError('LRS_USERNAME/LRS_PASSWORD are set but LRS_ENDPOINT is not: name the LRS');
    return undefined;
  }
  const parsed = new URL(endpoint);
  // credentials belong in LRS_USERNAME/LRS_PASSWORD, where they are never printed with the address
  if (parsed.username || parsed.password) throw new ConfigError('LRS_ENDPOINT must not carry a user name or password: set LRS_USERNAME and LRS_PASSWORD');
  if (parsed.search || parsed.hash) throw new ConfigError('LRS_ENDPOINT must be the xAPI base URL, without ?query or #fragment');
  const username = env.LRS_USERNAME ?? '';
  const password = env.LRS_PASSWORD ?? '';
  if (!username || !password) throw new ConfigError('LRS_ENDPOINT is set: LRS_USERNAME and LRS_PASSWORD (the LRS key and secret) must be set too');
  if (username.includes(':')) throw new ConfigError('LRS_USERNAME must not contain ":" (basic auth cannot carry it)');
  if (/[\u0000-\u001f\u007f]/.test(username + password)) throw new ConfigError('LRS_USERNAME and LRS_PASSWORD must not contain control characters');
  return {
    endpoint: endpoint.replace(/\/+$/, '').replace(/\/statements$/, ''),
    username,
    password,
    batchSize: int(env, 'LRS_BATCH_SIZE', 50, 1, 500),
    settleMinutes: int(env, 'LRS_SETTLE_MINUTES', 60, 0, 7 * 24 * 60),
    pollSeconds: int(env, 'LRS_POLL_SECONDS', 60, 1, 3600),
    retrySeconds: int(env, 'LRS_RETRY_SECONDS', 30, 0, 3600),
    timeoutMs: int(env, 'LRS_TIMEOUT_MS', 30_000, 100, 600_000),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const production = databaseUrl !== undefined;
  const dataDir = path.resolve(env.DATA_DIR || 'data');
  const publicUrl = (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, '');

  let s3: S3Config | undefined;
  if (env.S3_BUCKET) {
    s3 = {
      endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
      region: env.S3_REGION || 'us-east-1',
      bucket: env.S3_BUCKET,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', Boolean(env.S3_ENDPOINT)),
      publicEndpoint: url(env, 'S3_PUBLIC_ENDPOINT', ['http:', 'https:']),
      sharedPlaylists: bool(env, 'S3_SHARED_PLAYLISTS', true),
    };
    if (Boolean(s3.accessKeyId) !== Boolean(s3.secretAccessKey)) {
      throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together');
    }
  } else if (env.S3_ENDPOINT) {
    throw new ConfigError('S3_ENDPOINT is set but S3_BUCKET is not: name the bucket');
  }

  let sessionSecret = env.SESSION_SECRET ?? '';
  const sessionSecretGenerated = sessionSecret === '';
  if (sessionSecretGenerated) {
    if (production) throw new ConfigError('SESSION_SECRET must be set (32 characters or more) when DATABASE_URL is set');
    sessionSecret = randomBytes(32).toString('hex');
  } else if (sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET must be at least 32 characters long');
  }

  const maxUploadBytes = int(env, 'MAX_UPLOAD_BYTES', 8 * 1024 ** 3, 1024, 1024 ** 4);
  // three recordings of the largest size in flight at once (e.g. three lectures of one course)
  const uploadQuotaBytes = int(env, 'UPLOAD_QUOTA_BYTES', 3 * maxUploadBytes, 1024, 64 * 1024 ** 4);
  if (uploadQuotaBytes < maxUploadBytes) {
    throw new ConfigError(`UPLOAD_QUOTA_BYTES (${uploadQuotaBytes}) is below MAX_UPLOAD_BYTES (${maxUploadBytes}): a file of the allowed size could never be uploaded`);
  }

  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(logLevel)} must be one of fatal, error, warn, info, debug, trace, silent`);
  }

  return {
    port,
    host,
    publicUrl,
    databaseUrl,
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 10, 2, 500), // one connection holds the migration lock at start-up
    heartbeatMemorySessions: int(env, 'HEARTBEAT_MEMORY_SESSIONS', 20_000, 0, 1_000_000),
    dataDir,
    s3,
    sessionSecret,
    sessionSecretGenerated,
    mode: production ? 'production' : 'embedded',
    inProcessWorker: bool(env, 'TRANSCODER_IN_PROCESS', !production),
    workerConcurrency: int(env, 'TRANSCODER_CONCURRENCY', 1, 1, 64),
    ffmpegThreads: int(env, 'FFMPEG_THREADS', 0, 0, 64),
    workerLeaseSeconds: int(env, 'TRANSCODER_LEASE_SECONDS', 20, 2, 3600), // renewed every 5 s: a dead worker's job moves on in ~20 s
    workerPollMs: int(env, 'TRANSCODER_POLL_MS', 2000, 50, 60_000),
    ffmpegPath: env.FFMPEG_PATH || undefined,
    ffprobePath: env.FFPROBE_PATH || undefined,
    seedDemo: bool(env, 'SEED_DEMO', !production),
    logLevel,
    slowRequestMs: int(env, 'SLOW_REQUEST_MS', 1000, 0, 3_600_000),
    secureCookies: publicUrl.startsWith('https:'),
    loginAttemptsPerMinute: int(env, 'LOGIN_ATTEMPTS_PER_MINUTE', 10, 1, 10000),
    loginWindowSeconds: int(env, 'LOGIN_WINDOW_SECONDS', 60, 10, 86400),
    maxUploadBytes,
    handoutMaxBytes: int(env, 'HANDOUT_MAX_BYTES', 50 * 1024 ** 2, 1024, 1024 ** 3),
    uploadQuotaBytes,
    uploadExpiryDays: int(env, 'UPLOAD_EXPIRY_DAYS', 7, 1, 30),
    sourceRetentionDays: int(env, 'SOURCE_RETENTION_DAYS', 30, 1, 3650),
    maxDurationSeconds: int(env, 'MAX_DURATION_SECONDS', 6 * 3600, 1, 48 * 3600),
    trustProxy: trustProxy(env.TRUST_PROXY),
    healthStorageProbeSeconds: int(env, 'HEALTH_STORAGE_PROBE_SECONDS', 30, 1, 3600),
    site: Object.fromEntries(
      Object.entries({
        name: siteText(env, 'SITE_NAME', 40),
        logoUrl: siteLink(env, 'SITE_LOGO_URL'),
        footer: siteText(env, 'SITE_FOOTER', 200),
        icp: siteText(env, 'SITE_ICP', 40),
        helpUrl: siteLink(env, 'SITE_HELP_URL'),
      }).filter(([, v]) => v !== undefined),
    ) as SiteConfig,
    lrs: lrs(env),
  };
}
