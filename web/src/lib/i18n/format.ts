/** Pure message formatting, with no state, so unit tests run it in Node. */
import type { CatalogSource, MessageKey } from './zh-CN.ts';

type ParamNames<S> = S extends `${string}{${infer Name}}${infer Rest}` ? Name | ParamNames<Rest> : never;

/** The `{name}` parameters of a message, read from the zh-CN text at compile time. */
export type MessageParams<K extends MessageKey> = ParamNames<CatalogSource[K]>;

/** `t(key)` for messages without parameters, `t(key, {name})` for the others. */
export type ParamsArg<K extends MessageKey> = [MessageParams<K>] extends [never]
  ? []
  : [params: Record<MessageParams<K>, string | number>];

/** Replaces each `{name}` with its value; unknown names stay visible so a mistake shows. */
export function interpolate(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}
