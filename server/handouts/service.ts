/**
 * Handouts (讲义, docs/handouts.md): a trainer who may edit a course attaches PDF, Word,
 * PowerPoint or Excel files to it or to one of its lectures; whoever may see the course downloads
 * them. The upload is the raw file as the request body: it is written to a temporary file (counted
 * against HANDOUT_MAX_BYTES as it arrives), its type is read from its own bytes, then it goes to
 * storage and the row and its audit entry are written in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog } from '../audit/service.ts';
import type { CatalogRepository, CourseRow } from '../catalog/repository.ts';
import { isLearnerVisible, type CatalogService } from '../catalog/service.ts';
import type { Db } from '../db/client.ts';
import { attachmentDisposition } from '../http/content-disposition.ts';
import { badRequest, conflict, HttpError, notFound } from '../http/errors.ts';
import { serveStoredObject, storageFailureAnswer, type StoredAnswer } from '../storage/serve.ts';
import type { Storage } from '../storage/types.ts';
import { TeachRepository } from '../teach/repository.ts';
import type { TeachService } from '../teach/service.ts';
import { detectHandoutType, HANDOUT_CONTENT_TYPES, HANDOUT_TYPES, type HandoutType } from './file-type.ts';
import { HandoutsRepository, type HandoutRow } from './repository.ts';
import type { Handout, HandoutUploadQuery } from './schemas.ts';

/** How long a presigned S3 download link is asked for (the S3 driver rounds it up to its signing window). */
const SIGNED_DOWNLOAD_SECONDS = 5 * 60;
/** A handout's bytes never change (a new file is a new handout): browsers may keep it a day. */
const DOWNLOAD_CACHE = 'private, max-age=86400';
const MAX_NAME = 200;

/** A handout as every answer shows it (schemas.ts). */
export type HandoutView = Handout;

export function handoutView(h: HandoutRow): HandoutView {
  return { id: h.id, title: h.title, type: h.type as HandoutType, bytes: h.bytes, lectureId: h.lectureId, fileName: h.fileName, url: `/api/handouts/${h.id}/file` };
}

/**
 * Pure: the stored name and the default title of an uploaded file. Only the last path segment of
 * the name counts (browsers send a bare name, other clients may not); the title leaves the
 * extension out, the file name gets the extension of the type the bytes showed.
 */
export function handoutNames(name: string, type: HandoutType): { fileName: string; title: string } {
  const base = (name.split(/[\\/]/).pop() ?? '').trim().slice(0, MAX_NAME);
  const dot = base.lastIndexOf('.');
  const extension = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  const stem = (HANDOUT_TYPES as readonly string[]).includes(extension) ? base.slice(0, dot).trim() : base;
  const title = stem || type.toUpperCase();
  return { title, fileName: `${stem || 'handout'}.${type}` };
}

export type DownloadAnswer = StoredAnswer | { kind: 'redirect'; location: string; headers: Record<string, string> } | { kind: 'not_modified'; headers: Record<string, string> };

/** The upload's query: the file's name, a title, the lecture (schemas.ts). */
export type UploadInput = HandoutUploadQuery;

export class HandoutsService {
  constructor(
    private readonly db: Db,
    private readonly repo: HandoutsRepository,
    private readonly catalogRepo: CatalogRepository,
    private readonly catalog: CatalogService,
    private readonly teach: TeachService,
    private readonly access: AccessPolicy,
    private readonly storage: Storage,
    private readonly options: { maxBytes: number; tempDir: string; log?: FastifyBaseLogger },
  ) {}

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /**
   * Attaches the file in `body` to the course (or to one of its lectures). The same rule as every
   * course edit: the caller trains for the course's organization (TeachService). `declaredBytes`
   * (Content-Length) over the cap is refused before a byte is read.
   */
  async upload(user: SessionUser, courseId: string, input: UploadInput, body: Readable, declaredBytes: number | undefined, ip: string | null = null): Promise<HandoutView> {
    const course = await this.teach.courseForTrainer(user, courseId);
    if (course.status === 'archived') throw conflict('course_archived', 'The course is archived; publish it again before changing its handouts.');
    if (input.lectureId !== undefined) {
      const { lecture } = await this.teach.lectureForTrainer(user, input.lectureId);
      if (lecture.courseId !== course.id) throw notFound('The lecture');
    }
    if (!input.name.trim()) throw badRequest('invalid_file_name', 'Give the file’s name (name=…).');
    if (input.title !== undefined && !input.title.trim()) throw badRequest('invalid_title', 'The title must not be empty.');
    if (declaredBytes !== undefined && declaredBytes > this.options.maxBytes) throw tooLarge(this.options.maxBytes);

    await mkdir(this.options.tempDir, { recursive: true });
    const temp = path.join(this.options.tempDir, `handout-${randomUUID()}`);
    try {
      const bytes = await this.receive(body, temp);
      if (bytes === 0) throw badRequest('empty_handout', 'The file is empty.');
      const type = await detectHandoutType(temp);
      if (!type) throw new HttpError(415, 'unsupported_handout_type', 'Handouts must be PDF, Word (DOC, DOCX), PowerPoint (PPT, PPTX) or Excel (XLS, XLSX) files; this file is none of them.');
      const names = handoutNames(input.name, type);
      const id = randomUUID();
      const storageKey = `handouts/${course.id}/${id}/file.${type}`;
      try {
        await this.storage.putFile(storageKey, temp, { contentType: HANDOUT_CONTENT_TYPES[type] });
      } catch (error) {
        this.options.log?.warn({ err: error, key: storageKey }, 'handouts: storage refused the file');
        throw storageUnavailable();
      }
      try {
        const row = await this.db.transaction(async (tx) => {
          const locked = await new TeachRepository(tx).lockCourse(course.id);
          if (!locked) throw notFound('The course');
          const row = await new HandoutsRepository(tx).insertLocked({
            id,
            courseId: course.id,
            lectureId: input.lectureId ?? null,
            title: input.title?.trim() || names.title,
            fileName: names.fileName,
            type,
            bytes,
            storageKey,
            createdBy: user.id,
          });
          await AuditLog.record(tx, { actor: user, action: 'handout.added', organizationId: course.organizationId, targetType: 'handout', targetId: row.id, before: null, after: auditState(row), ip });
          return row;
        });
        return handoutView(row);
      } catch (error) {
        await this.storage.deletePrefix(`handouts/${course.id}/${id}/`).catch(() => {});
        throw error;
      }
    } finally {
      await unlink(temp).catch(() => {});
    }
  }

  async rename(user: SessionUser, handoutId: string, title: string, ip: string | null = null): Promise<HandoutView> {
    const { handout, course } = await this.forTrainer(user, handoutId);
    const trimmed = title.trim();
    if (!trimmed) throw badRequest('invalid_title', 'The title must not be empty.');
    if (trimmed === handout.title) return handoutView(handout);
    const row = await this.db.transaction(async (tx) => {
      const row = await new HandoutsRepository(tx).rename(handout.id, trimmed);
      if (!row) throw notFound('The handout');
      await AuditLog.record(tx, { actor: user, action: 'handout.renamed', organizationId: course.organizationId, targetType: 'handout', targetId: row.id, before: { title: handout.title }, after: { title: row.title }, ip });
      return row;
    });
    return handoutView(row);
  }

  /** Deletes the row and its audit entry in one transaction, then the file (a leftover file is harmless). */
  async remove(user: SessionUser, handoutId: string, ip: string | null = null): Promise<void> {
    const { handout, course } = await this.forTrainer(user, handoutId);
    await this.db.transaction(async (tx) => {
      const row = await new HandoutsRepository(tx).delete(handout.id);
      if (!row) throw notFound('The handout');
      await AuditLog.record(tx, { actor: user, action: 'handout.deleted', organizationId: course.organizationId, targetType: 'handout', targetId: row.id, before: auditState(row), after: null, ip });
    });
    await this.storage.deletePrefix(handout.storageKey.slice(0, handout.storageKey.lastIndexOf('/') + 1)).catch((error: unknown) => {
      this.options.log?.warn({ err: error, key: handout.storageKey }, 'handouts: the deleted handout’s file stays in storage');
    });
  }

  /**
   * The file for whoever may see the course: a published course's handouts for everyone logged
   * in (those of lectures learners see), a draft's or a hidden lecture's for its trainers and
   * admins. Local storage answers the bytes with ranges; S3 a redirect to a short-lived signed URL.
   */
  async download(user: SessionUser, handoutId: string, request: { method: 'GET' | 'HEAD'; range?: string | undefined; ifNoneMatch?: string | undefined }): Promise<DownloadAnswer> {
    const handout = await this.repo.find(handoutId);
    if (!handout) throw notFound('The handout');
    const course = await this.catalogRepo.findCourse(handout.courseId);
    if (!course || !(await this.catalog.canSee(user, course))) throw notFound('The handout');
    if (handout.lectureId) {
      const lecture = await this.catalogRepo.findLecture(handout.lectureId);
      if (!lecture || lecture.removedAt) throw notFound('The handout');
      if (!isLearnerVisible(lecture) && !(await this.access.hasRole(user, course.organizationId, ['trainer', 'admin']))) throw notFound('The handout');
    }
    const type = handout.type as HandoutType;
    const disposition = attachmentDisposition(handout.fileName, `handout-${handout.id.slice(0, 8)}.${type}`);
    if (this.storage.driver === 's3') {
      try {
        const location = await this.storage.signedUrl(handout.storageKey, SIGNED_DOWNLOAD_SECONDS, { contentType: HANDOUT_CONTENT_TYPES[type], contentDisposition: disposition, cacheControl: DOWNLOAD_CACHE });
        // the redirect itself is not kept: each download checks the session again
        return { kind: 'redirect', location, headers: { 'cache-control': 'no-store' } };
      } catch (error) {
        return storageFailureAnswer(error, 'The handout’s file is missing.');
      }
    }
    const etag = `"${handout.id}"`;
    const headers = { 'content-type': HANDOUT_CONTENT_TYPES[type], 'content-disposition': disposition, 'cache-control': DOWNLOAD_CACHE, etag };
    if (!request.range && request.ifNoneMatch?.split(',').some((tag) => tag.trim() === etag || tag.trim() === `W/${etag}`)) {
      return { kind: 'not_modified', headers: { etag, 'cache-control': DOWNLOAD_CACHE } };
    }
    return serveStoredObject(this.storage, handout.storageKey, { method: request.method, range: request.range, headers, missing: 'The handout’s file is missing.' });
  }

  /** A course's handouts as learners see it: the course's own and those of the lectures shown. */
  async forLearners(course: Pick<CourseRow, 'id'>, shownLectureIds: readonly string[]): Promise<HandoutView[]> {
    const shown = new Set(shownLectureIds);
    return (await this.repo.ofCourses([course.id])).filter((h) => h.lectureId === null || shown.has(h.lectureId)).map(handoutView);
  }

  private async forTrainer(user: SessionUser, handoutId: string): Promise<{ handout: HandoutRow; course: CourseRow }> {
    const handout = await this.repo.find(handoutId);
    if (!handout) throw notFound('The handout');
    const course = await this.teach.courseForTrainer(user, handout.courseId);
    return { handout, course };
  }

  /** Writes the body to `file`, counting: more than the cap stops the transfer with a 413. */
  private async receive(body: Readable, file: string): Promise<number> {
    const max = this.options.maxBytes;
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > max) done(tooLarge(max));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(file));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      // the client went away mid-file: nothing to answer, nothing kept
      throw badRequest('handout_interrupted', 'The file did not arrive completely; try again.');
    }
    return bytes;
  }
}

function auditState(h: HandoutRow) {
  return { courseId: h.courseId, lectureId: h.lectureId, title: h.title, fileName: h.fileName, type: h.type, bytes: h.bytes };
}

function tooLarge(max: number): HttpError {
  return new HttpError(413, 'handout_too_large', `A handout may be at most ${Math.floor(max / 1024 ** 2) || max} ${max >= 1024 ** 2 ? 'MiB' : 'bytes'}.`);
}

function storageUnavailable(): HttpError {
  return new HttpError(503, 'storage_unavailable', 'File storage is not answering right now; try again shortly.');
}
