/**
 * Resumable uploads with the tus protocol at /api/uploads, handled by @tus/server.
 *
 * tus needs the raw request body, so this plugin (encapsulated: its content-type parser applies
 * here only) accepts 'application/offset+octet-stream' without reading it and hands the Node
 * request and response to @tus/server. The session cookie authenticates every tus request; the
 * creating request must name a lecture (metadata `lectureId`) whose course organization the
 * caller trains for, and later requests (HEAD, PATCH, DELETE) must come from the same user.
 *
 * Partial uploads live in DATA_DIR/uploads (@tus/file-store) in both storage modes; with several
 * API replicas that folder must be shared (see docs/jobs-and-uploads.md).
 */
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Server, EVENTS } from '@tus/server';
import { FileStore } from '@tus/file-store';
import type { Upload } from '@tus/utils';
import type { SessionUser } from '../auth/access.ts';
import { CatalogRepository } from '../catalog/repository.ts';
import { HttpError } from '../http/errors.ts';
import { UploadsService } from './service.ts';

export const UPLOADS_PATH = '/api/uploads';
const UPLOAD_ID = /^[0-9a-f]{32}$/;
/** Partial uploads not touched for this long are deleted. */
const EXPIRE_AFTER_MS = 7 * 24 * 3600 * 1000;

type TusRequest = Parameters<NonNullable<ConstructorParameters<typeof Server>[0]['onUploadCreate']>>[0];

/** A tus hook's way to answer with a status: @tus/server sends `{status_code, body}` errors as they are. */
function tusError(status: number, code: string, message: string) {
  return { status_code: status, body: JSON.stringify({ error: code, message }) };
}

const uploadRoutes: FastifyPluginAsync = async (app) => {
  const { config, db, storage } = app.deps;
  const directory = path.join(config.dataDir, 'uploads');
  const datastore = new FileStore({ directory, expirationPeriodInMilliseconds: EXPIRE_AFTER_MS });
  const service = new UploadsService(db, storage, new CatalogRepository(db), app.access);
  const users = new WeakMap<IncomingMessage, SessionUser>();

  const userOf = (req: TusRequest): SessionUser => {
    const raw = (req as unknown as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
    const user = raw ? users.get(raw) : undefined;
    if (!user) throw tusError(401, 'unauthenticated', 'Log in first.');
    return user;
  };

  const asTusError = (err: unknown) => {
    if (err instanceof HttpError) return tusError(err.statusCode, err.code, err.message);
    return err;
  };

  const tus = new Server({
    path: UPLOADS_PATH,
    datastore,
    maxSize: config.maxUploadBytes,
    relativeLocation: true,
    respectForwardedHeaders: false,
    async onUploadCreate(req, upload: Upload) {
      const user = userOf(req);
      try {
        const lectureId = await service.authorizeUpload(user, upload.metadata?.lectureId);
        return { metadata: { ...upload.metadata, lectureId, userId: user.id } };
      } catch (err) {
        throw asTusError(err);
      }
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
      if (owner !== user.id) throw tusError(403, 'forbidden', 'This upload belongs to someone else.');
    },
    async onUploadFinish(_req, upload: Upload) {
      const lectureId = upload.metadata?.lectureId;
      if (!lectureId) throw tusError(400, 'invalid_metadata', 'The upload names no lecture.');
      try {
        const { jobId } = await service.finish({
          lectureId,
          bytes: upload.size ?? upload.offset,
          originalName: upload.metadata?.filename ?? null,
          contentType: upload.metadata?.filetype ?? null,
          filePath: path.join(directory, upload.id),
        });
        app.log.info({ lectureId, jobId, bytes: upload.size }, 'upload finished, transcode queued');
      } catch (err) {
        app.log.error({ err, lectureId }, 'could not store a finished upload');
        throw tusError(500, 'upload_not_stored', 'The file arrived but could not be stored. Please upload it again.');
      }
      await datastore.remove(upload.id).catch(() => undefined);
      return {};
    },
    onResponseError(_req, err) {
      if ('status_code' in err) return undefined; // already a tus answer
      app.log.error({ err }, 'tus upload error');
      return undefined;
    },
  });
  tus.on(EVENTS.POST_TERMINATE, () => undefined);

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

  const sweep = setInterval(() => void tus.cleanUpExpiredUploads().catch(() => 0), 3600 * 1000);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));
};

export default uploadRoutes;
