/** JSON schemas shared by routes. */
import { Type } from 'typebox';

export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() }, { $id: undefined });
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
