/**
 * What happens around a tus upload: who may start one, and what a finished upload becomes.
 * The tus protocol itself (offsets, resumes, chunks) is @tus/server's job (routes.ts).
 *
 * A finished upload is copied (streamed) into storage at `sources/<lectureId>/<sourceId>/original`;
 * then, in one transaction, the media source is recorded, the lecture set `processing` and its
 * transcode job queued. The tus temp file is deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import type { CatalogRepository } from '../catalog/repository.ts';
import type { Db } from '../db/client.ts';
import type { Storage } from '../storage/types.ts';
import { TranscodingService, sourceKey } from '../transcoding/service.ts';
import { HttpError, notFound } from '../http/errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface FinishedUpload {
  lectureId: string;
  bytes: number;
  originalName?: string | null;
  contentType?: string | null;
  /** the finished upload on this machine (tus keeps it until we remove it) */
  filePath: string;
}

export class UploadsService {
  private readonly transcoding: TranscodingService;

  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    private readonly catalog: CatalogRepository,
    private readonly access: AccessPolicy,
  ) {
    this.transcoding = new TranscodingService(db, storage);
  }

  /** Throws an HttpError unless `user` may upload a recording for the lecture named in the metadata. */
  async authorizeUpload(user: SessionUser, lectureId: string | null | undefined): Promise<string> {
    if (!lectureId || !UUID.test(lectureId)) {
      throw new HttpError(400, 'invalid_metadata', 'Name the lecture: the upload metadata needs lectureId (a UUID).');
    }
    const lecture = await this.catalog.findLecture(lectureId);
    if (!lecture) throw notFound('The lecture');
    const course = await this.catalog.findCourse(lecture.courseId);
    if (!course) throw notFound('The lecture');
    await this.access.assertRole(user, course.organizationId, 'trainer');
    if (course.status === 'archived') throw new HttpError(409, 'course_archived', 'The course is archived; publish it again before uploading.');
    return lecture.id;
  }

  /** Stores the recording and queues its transcode. Answers the job id. */
  async finish(upload: FinishedUpload): Promise<{ jobId: string; sourceId: string }> {
    const sourceId = randomUUID();
    const key = sourceKey(upload.lectureId, sourceId);
    await this.storage.putFile(key, upload.filePath, { contentType: upload.contentType ?? 'application/octet-stream' });
    try {
      const job = await this.db.transaction((tx) =>
        this.transcoding.enqueueSource(tx, {
          id: sourceId,
          lectureId: upload.lectureId,
          storageKey: key,
          bytes: upload.bytes,
          originalName: upload.originalName?.slice(0, 255) ?? null,
          contentType: upload.contentType?.slice(0, 100) ?? null,
        }),
      );
      return { jobId: job.id, sourceId };
    } catch (err) {
      await this.storage.deletePrefix(`sources/${upload.lectureId}/${sourceId}/`).catch(() => 0);
      throw err;
    }
  }
}
