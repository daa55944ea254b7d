/** JSON schemas shared by routes. */
import { Type, type TStringOptions } from 'typebox';
import type { TextKind } from './plain-text.ts';

export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() }, { $id: undefined });
/**
 * A file answer (PDF, CSV, an image, media bytes) as the OpenAPI document describes it. The bytes
 * are sent as they are: Fastify serializes only objects, so this schema documents and never
 * rewrites the body.
 */
export const FileAnswer = (description: string, contentTypes: string[]) => ({
  description,
  content: Object.fromEntries(contentTypes.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
});
export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = (name: string) => Type.Object({ [name]: Type.String({ format: 'uuid' }) });
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
};

/**
 * The schema keyword naming a string's text kind; server/http/validation.ts checks it with
 * server/http/plain-text.ts and answers 400 `invalid_characters` naming the field and character.
 * An `x-` name, so the OpenAPI document may carry it as an extension.
 */
export const TEXT_KIND_KEYWORD = 'x-text';

const textString = (kind: TextKind, rule: string, options: TStringOptions) =>
  Type.String({ ...options, description: options.description ? `${options.description} (${rule})` : rule, [TEXT_KIND_KEYWORD]: kind });

/**
 * One line of text a person typed: a title, a name, a login, a plan name, a search query. No
 * control characters (tabs and line breaks included), line separators or text-direction
 * overrides — they would break CSV rows and logs or show a name in another order.
 */
export const PlainText = (options: TStringOptions = {}) => textString('line', 'one line: no control characters or text-direction overrides', options);

/** Text with line breaks (LF or CR LF), e.g. a course summary; otherwise as PlainText. */
export const MultilineText = (options: TStringOptions = {}) => textString('multiline', 'line breaks allowed; no other control characters or text-direction overrides', options);
