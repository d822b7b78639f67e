/**
 * Proxy request bodies (POST /proxies, /populate, PATCH /proxies/{p}) checked by the shared
 * schema (config/api-schema.ts), failures worded as Toxiproxy's Go decoder and handlers word them.
 */
import type { z } from 'zod';
import { proxyBodySchema, type ProxyBody } from '../config/api-schema.js';
import { ApiError, ErrBadRequestBody, ErrMissingField } from './api-error.js';
import { goJsonKind } from './go-json.js';

/**
 * A proxy body checked by the shared schema, its failures worded as Toxiproxy words them:
 * a wrong JSON type is a decoder error, an empty name or upstream a missing field.
 */
export function proxyBodyError(error: z.ZodError, input: unknown, suffix = ''): ApiError {
  const issues = error.issues;
  // A null counts as absent, as Go leaves the field alone when it reads null.
  const typeIssue = issues.find((i) => i.code === 'invalid_type' && valueAt(input, i.path) != null);
  if (typeIssue?.code === 'invalid_type') {
    const field = typeIssue.path.map(String).join('.');
    const value = valueAt(input, typeIssue.path);
    const goType = typeIssue.expected === 'boolean' ? 'bool' : String(typeIssue.expected);
    return ApiError.join(ErrBadRequestBody, `json: cannot unmarshal ${goJsonKind(value)} into Go struct field Proxy.${field} of type ${goType}`);
  }
  if (issues.length === 1 && issues[0]!.code === 'invalid_type' && issues[0].path.length === 0) {
    return ApiError.join(ErrBadRequestBody, `json: cannot unmarshal ${goJsonKind(input)} into Go value of type toxiproxy.Proxy`);
  }
  for (const field of ['name', 'upstream']) {
    if (issues.some((i) => i.path[0] === field)) return ApiError.join(ErrMissingField, field + suffix);
  }
  const first = issues[0]!;
  return ApiError.join(ErrBadRequestBody, `${first.path.map(String).join('.')}: ${first.message}`);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    const obj = v as Record<string, unknown>;
    const match = Object.keys(obj).filter((k) => k.toLowerCase() === String(key).toLowerCase()).pop();
    v = match === undefined ? undefined : obj[match];
  }
  return v;
}

export function parseProxyBody(input: unknown, suffix = ''): ProxyBody {
  const parsed = proxyBodySchema.safeParse(input);
  if (!parsed.success) throw proxyBodyError(parsed.error, input, suffix);
  return parsed.data;
}

export function parsePopulateBody(input: unknown): ProxyBody[] {
  if (!Array.isArray(input)) {
    throw ApiError.join(ErrBadRequestBody, `json: cannot unmarshal ${goJsonKind(input)} into Go value of type []toxiproxy.Proxy`);
  }
  // Every entry is checked before any proxy is touched, as Toxiproxy does.
  return input.map((entry, i) => parseProxyBody(entry, ` at proxy ${i + 1}`));
}
