/**
 * JSON-schema validation: query strings and path parameters arrive as text, so they are coerced
 * ("2" → 2); bodies are JSON and must already have the right types — `{"login": 42}` is a 400,
 * not a login attempt with "42".
 *
 * Text that is not text is refused here too, with 400 `invalid_characters` naming the field:
 * - NUL (U+0000) in any string or key of any validated part — body, query string, path
 *   parameters, headers — whatever its schema says, because PostgreSQL cannot store it and
 *   answered a 500 (issue 7). Every route that reads input has a schema, so none can forget it;
 * - any character plain-text.ts refuses in a string whose schema is PlainText or MultilineText
 *   (server/http/schemas.ts).
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import { badRequest, type HttpError } from './errors.ts';
import { refusedCharacter, refusedCharacterMessage, type TextKind } from './plain-text.ts';
import { TEXT_KIND_KEYWORD } from './schemas.ts';

function makeAjv(coerceTypes: Options['coerceTypes']): Ajv {
  // verbose: a failed check carries its value and keyword value, which textError names in the answer
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: false, verbose: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addKeyword({
    keyword: TEXT_KIND_KEYWORD,
    type: 'string',
    schemaType: 'string',
    metaSchema: { enum: ['line', 'multiline'] satisfies TextKind[] },
    validate: (kind: TextKind, text: string) => refusedCharacter(text, kind) === null,
  });
  return ajv;
}

const strict = makeAjv(false);
const coercing = makeAjv('array');

type HttpPart = 'body' | 'querystring' | 'params' | 'headers';

const WHERE: Record<HttpPart, string> = { body: 'The field', querystring: 'The query parameter', params: 'The path parameter', headers: 'The header' };

export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  const part = (httpPart ?? 'body') as HttpPart;
  const check = (part === 'body' ? strict : coercing).compile(schema as object);
  const validate = Object.assign(
    (data: unknown, context?: Parameters<ValidateFunction>[1]) => {
      const nul = firstNul(data);
      if (nul) return { error: invalidCharacters(part, nul.path, nul.key ? null : nul.index) };
      if (check(data, context)) return true;
      validate.errors = check.errors;
      const refused = check.errors?.find((e) => e.keyword === TEXT_KIND_KEYWORD);
      if (refused) return { error: textError(part, refused) };
      return false;
    },
    // Fastify hands a validator with a schemaEnv the request as parent, so Ajv may coerce a root value.
    { schemaEnv: check.schemaEnv, errors: null as ErrorObject[] | null | undefined },
  );
  return validate as unknown as ReturnType<FastifySchemaCompiler<FastifySchema>>;
};

function invalidCharacters(part: HttpPart, path: string[], nulIndex: number | null): HttpError {
  if (nulIndex === null) return badRequest('invalid_characters', `A name in the ${part === 'body' ? 'body' : part === 'querystring' ? 'query string' : part} contains the NUL character (U+0000); remove it.`);
  return badRequest('invalid_characters', refusedCharacterMessage(fieldLabel(part, path), { index: nulIndex, codePoint: 0, label: 'U+0000' }));
}

function textError(part: HttpPart, error: ErrorObject): HttpError {
  const path = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const refused = refusedCharacter(String(error.data), error.schema as TextKind);
  return badRequest('invalid_characters', refusedCharacterMessage(fieldLabel(part, path), refused ?? { index: 0, codePoint: 0xfffd, label: 'U+FFFD' }));
}

const fieldLabel = (part: HttpPart, path: string[]) => `${WHERE[part]} "${path.join('.') || part}"`;

/**
 * The first NUL in any string or object key under `data`: where it is. Iterative, so a deeply
 * nested body cannot overflow the stack.
 */
function firstNul(data: unknown): { path: string[]; index: number; key: boolean } | null {
  const stack: { value: unknown; path: string[] }[] = [{ value: data, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const index = value.indexOf('\u0000');
      if (index >= 0) return { path, index, key: false };
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!;
        if (key.includes('\u0000')) return { path, index: 0, key: true };
        stack.push({ value: item, path: [...path, key] });
      }
    }
  }
  return null;
}
