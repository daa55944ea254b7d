/**
 * TypeBox shape of `GET /api/lectures/:lectureId/upload` (server/uploads/routes.ts): a lecture's
 * newest upload. Pure (the tus endpoints have no Fastify schema: server/uploads/openapi.ts):
 * UploadsService returns its `Static` type and the web imports it type-only
 * (web/src/routes/teach/UploadReceipt.svelte), so route, service and web cannot disagree.
 */
import { Type, type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const LectureUploadSchema = Type.Object({
  lectureId: Type.String(),
  upload: Nullable(
    Type.Object({
      id: Type.String(),
      state: Type.Union([Type.Literal('receiving'), Type.Literal('received'), Type.Literal('stored'), Type.Literal('lost')], {
        description:
          '`receiving`: bytes still arriving (or abandoned); `received`: every byte arrived and is kept, waiting to be put into storage (then the lecture turns `processing`); `stored`: in storage, transcoding from here; `lost`: the received file could not be stored and has to be uploaded again',
      }),
      bytes: Type.Integer(),
      createdAt: Type.String(),
      receivedAt: Nullable(Type.String()),
      storedAt: Nullable(Type.String()),
      retrying: Type.Boolean({ description: 'received, and storing it failed at least once (storage unavailable): it is retried until it succeeds' }),
    }),
  ),
});

/** What the trainer page shows of a lecture's newest upload. */
export type LectureUpload = Static<typeof LectureUploadSchema>;
export type LectureUploadState = NonNullable<LectureUpload['upload']>['state'];
