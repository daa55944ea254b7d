/**
 * Resumable uploads with the tus protocol at /api/uploads, handled by @tus/server.
 *
 * tus needs the raw request body, so this plugin (encapsulated: its content-type parser applies
 * here only) accepts 'application/offset+octet-stream' without reading it and hands the Node
 * request and response to @tus/server. The session cookie authenticates every tus request; the
 * creating request must declare a non-zero length and name a lecture (metadata `lectureId`)
 * whose course organization the caller trains for, and its length must fit in the caller's
 * upload quota; later requests (HEAD, PATCH, DELETE) must come from the same user.
 *
 * Every error answer is JSON `{ error, message }` (tus-errors.ts) and no answer carries CORS
 * headers: the web app is same-origin, and the API has no CORS anywhere.
 *
 * Durable uploads (docs/jobs-and-uploads.md): an upload whose last byte arrived is recorded as
 * received (with its store job) before any answer says so — by the request that wrote the last
 * byte, or else by the next HEAD or PATCH, or by the sweep. Partial uploads wait in the staging
 * store (staging.ts: the bucket on S3, DATA_DIR/uploads on local storage); requests for one
 * upload exclude each other across replicas with PostgreSQL advisory locks (locker.ts).
 * Every minute this plugin sweeps receipts (UploadsService.sweepReceipts); hourly it ends
 * expired uploads and deletes source originals past their retention.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Sql } from 'postgres';
import { Type } from 'typebox';
import { Server, EVENTS, type ServerOptions } from '@tus/server';
import type { CancellationContext, Upload } from '@tus/utils';
import type { SessionUser } from '../auth/access.ts';
import { HttpError } from '../http/errors.ts';
import { databaseErrorMeaning } from '../http/database-errors.ts';
import { ErrorBody } from '../http/schemas.ts';
import { PostgresLocker } from './locker.ts';
import { LectureUploadSchema } from './schemas.ts';
import { uploadLimits } from './service.ts';
import { tusErrorAnswer } from './tus-errors.ts';

export const UPLOADS_PATH = '/api/uploads';
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const SWEEP_INTERVAL_MS = 3600 * 1000;
const RECEIPT_SWEEP_INTERVAL_MS = 60 * 1000;

type TusRequest = Parameters<NonNullable<ServerOptions['onUploadCreate']>>[0];
type TusWrite = Server['write'];
/** What every @tus/server handler offers (their Response types differ only in which lib declares them). */
interface TusHandler {
  send(req: TusRequest, context: CancellationContext, headers?: Headers): Promise<{ headers: HeaderList }>;
}
interface HeaderList {
  keys(): Iterable<string>;
  delete(name: string): void;
}

function withoutCorsHeaders(headers: HeaderList): void {
  for (const name of [...headers.keys()]) if (name.startsWith('access-control-')) headers.delete(name);
}

/**
 * @tus/server with this API's answers: error bodies are JSON with a stable code, and the CORS
 * headers it always adds (Access-Control-Expose-Headers on every answer, Allow-Methods/-Headers/
 * -Max-Age on OPTIONS; Allow-Origin too, though `allowedOrigins` refuses every origin) are removed.
 */
class LecternTusServer extends Server {
  constructor(
    options: ConstructorParameters<typeof Server>[0],
    private readonly limits: { maxUploadBytes: number },
  ) {
    super(options);
    for (const handler of Object.values(this.handlers) as TusHandler[]) {
      const send = handler.send.bind(handler);
      handler.send = async (req, context, headers) => {
        const response = await send(req, context, headers);
        withoutCorsHeaders(response.headers);
        return response;
      };
    }
  }

  /** Every answer that is not a handler's own goes through here: 412, bad headers, and all errors. */
  override async write(context: Parameters<TusWrite>[0], headers: Parameters<TusWrite>[1], status: number, body = ''): ReturnType<TusWrite> {
    withoutCorsHeaders(headers);
    if (status < 400) return super.write(context, headers, status, body);
    const answer = tusErrorAnswer(status, body, this.limits);
    headers.set('Content-Type', 'application/json; charset=utf-8');
    return super.write(context, headers, answer.status, JSON.stringify({ error: answer.code, message: answer.message }));
  }
}

const uploadRoutes: FastifyPluginAsync = async (app) => {
  const { config, database, db } = app.deps;
  // the staging store is the service's own (server/services.ts): tus writes to it, the service reads it
  const { uploads: service, uploadStaging: datastore, transcoding } = app.services;
  const limits = uploadLimits(config);
  const users = new WeakMap<IncomingMessage, SessionUser>();

  // Several processes share PostgreSQL: their requests for one upload must exclude each other.
  // PGlite is one process, for which @tus/server's MemoryLocker is enough.
  const locker = database.kind === 'postgres' ? new PostgresLocker((db as unknown as { $client: Sql }).$client, { log: app.log }) : undefined;
  if (locker) {
    locker.start().catch((err: unknown) => app.log.warn({ err }, 'upload locks: cannot listen for release requests; a stale request on another replica holds its upload until it ends'));
    app.addHook('onClose', async () => locker.close());
  }

  const userOf = (req: TusRequest): SessionUser => {
    const raw = (req as unknown as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
    const user = raw ? users.get(raw) : undefined;
    if (!user) throw new HttpError(401, 'unauthenticated', 'Log in first.');
    return user;
  };

  const tus = new LecternTusServer(
    {
      path: UPLOADS_PATH,
      datastore,
      locker,
      maxSize: config.maxUploadBytes,
      relativeLocation: true,
      respectForwardedHeaders: false,
      // same-origin only: never an Access-Control-Allow-Origin (the default would be '*')
      allowedOrigins: () => false,
      allowedCredentials: false,
      // a received upload's bytes wait for the store job: a DELETE must not take them away
      disableTerminationForFinishedUploads: true,
      async onUploadCreate(req, upload: Upload) {
        const user = userOf(req);
        const lectureId = await service.start(user, { uploadId: upload.id, lectureId: upload.metadata?.lectureId, size: upload.size });
        return { metadata: { ...upload.metadata, lectureId, userId: user.id } };
      },
      async onIncomingRequest(req, uploadId) {
        const user = userOf(req);
        if (req.method === 'POST' || req.method === 'OPTIONS') return;
        let upload: Upload;
        try {
          upload = await datastore.getUpload(uploadId);
        } catch {
          return; // unknown upload: @tus/server answers 404 itself
        }
        if (upload.metadata?.userId !== user.id) throw new HttpError(403, 'forbidden', 'This upload belongs to someone else.');
        // Complete but not recorded (the request with the last byte could not record it): recorded
        // now, before this answer tells the client where the upload stands.
        if (req.method !== 'DELETE') await service.ensureReceived(upload);
      },
      async onUploadFinish(_req, upload: Upload) {
        const outcome = await service.receive(upload);
        if (outcome.kind === 'received') app.log.info({ uploadId: upload.id, lectureId: upload.metadata?.lectureId, bytes: upload.size, storeJobId: outcome.jobId }, 'upload received');
        return {};
      },
      onResponseError(_req, err) {
        if (err instanceof HttpError) return { status_code: err.statusCode, body: JSON.stringify({ error: err.code, message: err.message }) };
        if (databaseErrorMeaning(err) === 'unavailable') {
          app.log.warn({ err }, 'tus request: database unavailable');
          return { status_code: 503, body: JSON.stringify({ error: 'database_unavailable', message: 'The service is briefly unavailable. Your upload keeps what arrived; it continues when you retry.' }) };
        }
        if (!('status_code' in err)) app.log.error({ err }, 'tus upload error');
        return undefined; // LecternTusServer.write turns @tus/server's own answers into JSON
      },
    },
    limits,
  );
  tus.on(EVENTS.POST_TERMINATE, (_req, _res, uploadId) => {
    service.endReservation(uploadId).catch((err: unknown) => app.log.error({ err, uploadId }, 'could not end the reservation of a cancelled upload'));
  });

  // tus PATCH bodies are raw bytes for @tus/server to stream to disk: leave them unread.
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    // Upload ids are @tus/server's 32 hex characters; anything else (e.g. an encoded "../") never
    // reaches the file store.
    const id = (request.params as { '*'?: string })['*'];
    if (id !== undefined && id !== '' && !UPLOAD_ID.test(id)) throw new HttpError(404, 'not_found', 'No such upload.');
    users.set(request.raw, request.user!);
    reply.hijack();
    await tus.handle(request.raw, reply.raw);
  };
  const routeOptions = { preHandler: app.authenticate, schema: { hide: true } };
  for (const url of ['/uploads', '/uploads/*']) {
    app.route({ method: ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'], url, ...routeOptions, handler: handle });
  }

  app.get(
    '/lectures/:lectureId/upload',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['teach'],
        summary: "A lecture's newest upload: receiving, received (waiting for storage), stored or lost",
        description:
          'For trainers of the lecture’s organization (403 otherwise). An upload is `received` as soon as its last byte arrived: it is kept and put into storage by a background job, retried while storage is unavailable; the lecture turns `processing` when that is done.',
        params: Type.Object({ lectureId: Type.String({ format: 'uuid' }) }),
        response: { 200: LectureUploadSchema, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => service.lectureUpload(request.user!, (request.params as { lectureId: string }).lectureId),
  );

  const sweep = async () => {
    const uploads = await service.sweepExpired();
    if (uploads.endedReservations > 0 || uploads.removedPartials > 0) app.log.info(uploads, 'expired uploads swept');
    const sources = await transcoding.sweepRetiredSources({ retentionDays: config.sourceRetentionDays });
    if (sources.deleted.length > 0) app.log.info({ deleted: sources.deleted.length }, 'retired source originals deleted');
    for (const failure of sources.failed) app.log.warn(failure, 'could not delete a retired source original');
  };
  const sweepReceipts = async () => {
    const { errors, ...counts } = await service.sweepReceipts();
    if (counts.recorded > 0 || counts.requeued > 0 || counts.removedStaging > 0) app.log.info(counts, 'upload receipts swept');
    for (const failure of errors) app.log.warn(failure, 'upload sweep: could not handle an upload (tried again next minute)');
  };
  const timer = setInterval(() => void sweep().catch((err: unknown) => app.log.error({ err }, 'upload sweep failed')), SWEEP_INTERVAL_MS);
  timer.unref();
  const receiptTimer = setInterval(() => void sweepReceipts().catch((err: unknown) => app.log.warn({ err }, 'upload receipt sweep failed')), RECEIPT_SWEEP_INTERVAL_MS);
  receiptTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    clearInterval(receiptTimer);
  });
};

export default uploadRoutes;
