/**
 * The tus upload endpoints in the OpenAPI document. They are served by @tus/server (routes.ts
 * hands the raw request over), so they have no Fastify schema to generate from; this is their
 * description, merged in by server/http/openapi.ts. Protocol: tus 1.0.0 (https://tus.io/protocols/resumable-upload),
 * extensions creation, termination and expiration; docs/jobs-and-uploads.md, "Uploads (tus)".
 */
const error = { $ref: '#/components/schemas/TusError' };
const json = (description: string) => ({ description, content: { 'application/json': { schema: error } } });
const tusResumable = { name: 'Tus-Resumable', in: 'header', required: true, schema: { type: 'string', const: '1.0.0' } };
const uploadId = { name: 'uploadId', in: 'path', required: true, description: '32 hexadecimal characters, the last part of the Location the creation answered', schema: { type: 'string', pattern: '^[0-9a-f]{32}$' } };
const security = [{ session: [] }];
const refusals = {
  '401': json('not logged in'),
  '403': json('the upload belongs to someone else, or the lecture is not one the caller trains'),
  '404': json('no such upload'),
  '412': json('Tus-Resumable: 1.0.0 missing'),
};

export const TUS_PATHS = {
  '/api/uploads': {
    post: {
      tags: ['teach'],
      operationId: 'postUploads',
      summary: 'Start a resumable upload of a lecture recording (tus creation)',
      description:
        'Upload-Metadata must name the lecture (`lectureId`, base64) and may carry `filename` and `filetype`. The caller must train the lecture’s organization; the declared length is reserved against the trainer’s quota. Then PATCH the bytes to the Location answered.',
      security,
      parameters: [
        tusResumable,
        { name: 'Upload-Length', in: 'header', required: true, description: 'the file’s size in bytes (deferred lengths are not taken)', schema: { type: 'integer', minimum: 1 } },
        { name: 'Upload-Metadata', in: 'header', required: true, description: 'comma-separated `key base64value` pairs: lectureId (required), filename, filetype', schema: { type: 'string' } },
      ],
      responses: {
        '201': { description: 'created', headers: { Location: { description: '/api/uploads/{uploadId}', schema: { type: 'string' } }, 'Upload-Expires': { schema: { type: 'string' } } } },
        '400': json('bad headers or metadata (invalid_upload_headers, invalid_metadata, upload_length_required, file_empty)'),
        '413': json('larger than an upload may be (upload_too_large) or the quota (upload_quota_exceeded)'),
        ...refusals,
      },
    },
  },
  '/api/uploads/{uploadId}': {
    parameters: [uploadId],
    head: {
      tags: ['teach'],
      operationId: 'headUploadsUploadId',
      summary: 'Where an upload stands: its offset, to resume from there',
      security,
      parameters: [tusResumable],
      responses: {
        '200': { description: 'the offset reached', headers: { 'Upload-Offset': { schema: { type: 'integer' } }, 'Upload-Length': { schema: { type: 'integer' } } } },
        '410': json('expired (upload_expired)'),
        ...refusals,
      },
    },
    patch: {
      tags: ['teach'],
      operationId: 'patchUploadsUploadId',
      summary: 'Send the next bytes of an upload, from its current offset',
      description: 'The last byte’s answer comes once the upload is recorded as received: a trainer who sees 204 at the full length loses nothing.',
      security,
      parameters: [tusResumable, { name: 'Upload-Offset', in: 'header', required: true, schema: { type: 'integer', minimum: 0 } }],
      requestBody: { required: true, content: { 'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } } } },
      responses: {
        '204': { description: 'bytes taken', headers: { 'Upload-Offset': { schema: { type: 'integer' } } } },
        '400': json('bad headers (invalid_upload_headers) or the connection dropped (upload_interrupted)'),
        '409': json('the offset is not where the upload stands (upload_offset_mismatch)'),
        '410': json('expired (upload_expired)'),
        '413': json('more bytes than declared (upload_too_large)'),
        '423': json('another request is writing to it (upload_busy)'),
        '503': json('storage or the database is briefly unavailable: what arrived is kept, retry'),
        ...refusals,
      },
    },
    delete: {
      tags: ['teach'],
      operationId: 'deleteUploadsUploadId',
      summary: 'Cancel an unfinished upload (tus termination)',
      security,
      parameters: [tusResumable],
      responses: { '204': { description: 'cancelled' }, '400': json('already finished (upload_finished)'), ...refusals },
    },
  },
} as const;

export const TUS_ERROR_SCHEMA = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string', description: 'a stable code (server/uploads/tus-errors.ts)' }, message: { type: 'string' } },
} as const;
