/**
 * The handout upload's request body for the OpenAPI document: the route reads the raw file as a
 * stream (no body schema Fastify could validate), so server/http/openapi.ts adds it here.
 */
export const HANDOUT_UPLOAD_PATH = '/api/courses/{courseId}/handouts';

export const HANDOUT_UPLOAD_BODY = {
  required: true,
  description: 'the file itself (at most HANDOUT_MAX_BYTES); its type is read from its bytes',
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
};
