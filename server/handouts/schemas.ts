/**
 * The handout routes' shapes (docs/handouts.md), pure TypeBox: the routes validate and document
 * with them, HandoutsService answers their Static types, the course answers (catalog, teach)
 * embed HandoutSchema, and the web imports the types with `import type`.
 */
import { Type, type Static } from 'typebox';
import { PlainText } from '../http/schemas.ts';

/** The document kinds a handout may be (file-type.ts reads which one from the bytes). */
export const HANDOUT_TYPES = ['pdf', 'doc', 'docx', 'ppt', 'pptx', 'xls', 'xlsx'] as const;
export type HandoutType = (typeof HANDOUT_TYPES)[number];

export const HandoutSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  type: Type.Enum(HANDOUT_TYPES),
  bytes: Type.Integer(),
  lectureId: Type.Union([Type.String(), Type.Null()], { description: 'null: the course’s own handout' }),
  fileName: Type.String(),
  url: Type.String({ description: 'GET: the file, as a download (ranges on local storage, a redirect on S3)' }),
});

export const HandoutUploadQuerySchema = Type.Object(
  {
    name: PlainText({ minLength: 1, maxLength: 255, description: 'the file’s name; the default title' }),
    title: Type.Optional(PlainText({ minLength: 1, maxLength: 200 })),
    lectureId: Type.Optional(Type.String({ format: 'uuid', description: 'attach to this lecture of the course' })),
  },
  { additionalProperties: false },
);

export const HandoutRenameSchema = Type.Object({ title: PlainText({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

/** A handout (讲义) of a course or one of its lectures. */
export type Handout = Static<typeof HandoutSchema>;
/** POST /api/courses/:courseId/handouts?name=&title=&lectureId= */
export type HandoutUploadQuery = Static<typeof HandoutUploadQuerySchema>;
