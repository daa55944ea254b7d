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
 * Partial uploads live in DATA_DIR/uploads (staging.ts) in both storage modes; with several API
 * replicas that folder must be shared (see docs/jobs-and-uploads.md). Hourly, this plugin ends
 * expired uploads and deletes source originals past their retention.
 */
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Server, EVENTS, type ServerOptions } from '@tus/server';
import type { CancellationContext, Upload } from '@tus/utils';
import type { SessionUser } from '../auth/access.ts';
import { CatalogRepository } from '../catalog/repository.ts';
import { HttpError } from '../http/errors.ts';
import { TranscodingService } from '../transcoding/service.ts';
import { UploadsService, uploadLimits } from './service.ts';
import { openUploadStaging, uploadStagingDirectory } from './staging.ts';
import { tusErrorAnswer } from './tus-errors.ts';

export const UPLOADS_PATH = '/api/uploads';
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const SWEEP_INTERVAL_MS = 3600 * 1000;

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
  const { config, db, storage } = app.deps;
  const directory = uploadStagingDirectory(config);
  const datastore = openUploadStaging(config);
  const limits = uploadLimits(config);
  const service = new UploadsService(db, storage, new CatalogRepository(db), app.access, datastore, limits);
  const transcoding = new TranscodingService(db, storage);
  const users = new WeakMap<IncomingMessage, SessionUser>();

  const removeFinished = (uploadId: string) =>
    datastore.remove(uploadId).catch((err: unknown) => app.log.warn({ err, uploadId }, 'could not delete a finished tus upload'));

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
      maxSize: config.maxUploadBytes,
      relativeLocation: true,
      respectForwardedHeaders: false,
      // same-origin only: never an Access-Control-Allow-Origin (the default would be '*')
      allowedOrigins: () => false,
      allowedCredentials: false,
      async onUploadCreate(req, upload: Upload) {
        const user = userOf(req);
        const lectureId = await service.start(user, { uploadId: upload.id, lectureId: upload.metadata?.lectureId, size: upload.size });
        return { metadata: { ...upload.metadata, lectureId, userId: user.id } };
      },
      async onIncomingRequest(req, uploadId) {
        const user = userOf(req);
        if (req.method === 'POST' || req.method === 'OPTIONS') return;
        let owner: string | null | undefined;
        try {
          owner = (await datastore.getUpload(uploadId)).metadata?.userId;
        } catch {
          return; // unknown upload: @tus/server answers 404 itself
        }
        if (owner !== user.id) throw new HttpError(403, 'forbidden', 'This upload belongs to someone else.');
      },
      async onUploadFinish(req, upload: Upload) {
        const lectureId = upload.metadata?.lectureId;
        if (!lectureId) throw new HttpError(400, 'invalid_metadata', 'The upload names no lecture.');
        const bytes = upload.size ?? upload.offset;
        try {
          const outcome = await service.finish({
            uploadId: upload.id,
            lectureId,
            bytes,
            originalName: upload.metadata?.filename ?? null,
            contentType: upload.metadata?.filetype ?? null,
            filePath: path.join(directory, upload.id),
          });
          if (outcome.kind === 'queued') app.log.info({ lectureId, jobId: outcome.jobId, bytes }, 'upload finished, transcode queued');
        } catch (err) {
          if (err instanceof HttpError) throw err;
          app.log.error({ err, lectureId }, 'could not store a finished upload');
          // Dropped, not kept: a client resuming it would find it complete (HEAD) and report
          // success with nothing stored; without it, tus-js-client starts a new upload.
          await removeFinished(upload.id);
          await service.endReservation(upload.id).catch((endErr: unknown) => app.log.error({ err: endErr, uploadId: upload.id }, 'could not end a reservation'));
          throw new HttpError(500, 'upload_not_stored', 'The file arrived but could not be stored. Please upload it again.');
        }
        // After a PATCH nothing reads the upload again, so its file goes now. When the whole file
        // came with the creating POST, @tus/server still reads the upload to answer: its file goes
        // once the answer is written (POST_FINISH below).
        if (req.method === 'PATCH') await removeFinished(upload.id);
        return {};
      },
      onResponseError(_req, err) {
        if (err instanceof HttpError) return { status_code: err.statusCode, body: JSON.stringify({ error: err.code, message: err.message }) };
        if (!('status_code' in err)) app.log.error({ err }, 'tus upload error');
        return undefined; // LecternTusServer.write turns @tus/server's own answers into JSON
      },
    },
    limits,
  );
  tus.on(EVENTS.POST_FINISH, (req, _res, upload) => {
    if (req.method === 'POST') void removeFinished(upload.id);
  });
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

  const sweep = async () => {
    const uploads = await service.sweepExpired();
    if (uploads.endedReservations > 0 || uploads.removedPartials > 0) app.log.info(uploads, 'expired uploads swept');
    const sources = await transcoding.sweepRetiredSources({ retentionDays: config.sourceRetentionDays });
    if (sources.deleted.length > 0) app.log.info({ deleted: sources.deleted.length }, 'retired source originals deleted');
    for (const failure of sources.failed) app.log.warn(failure, 'could not delete a retired source original');
  };
  const timer = setInterval(() => void sweep().catch((err: unknown) => app.log.error({ err }, 'upload sweep failed')), SWEEP_INTERVAL_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
};

export default uploadRoutes;
