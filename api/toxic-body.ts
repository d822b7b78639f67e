/**
 * Toxic request bodies read as Toxiproxy's ToxicCollection reads them (toxic_collection.go):
 *   create: decode → stream (case-insensitive) → default name `<type>_<stream>` → type known? →
 *           name unused? → attributes decoded onto the type's defaults;
 *   update: attributes merged onto the current values, toxicity kept unless given, the rest ignored.
 * The toxic registry stays the one place that knows a type and its attributes.
 */
import { z } from 'zod';
import type { ToxicSpec } from '../faults/link/types.js';
import { findToxicType, normalizeToxic, type ToxicType } from '../faults/toxics/registry.js';
import {
  ApiError,
  ErrBadRequestBody,
  ErrInvalidStream,
  ErrInvalidToxicType,
  ErrToxicAlreadyExists,
} from './api-error.js';
import { foldKeys } from '../faults/toxics/folded-object.js';
import { goJsonKind } from './go-json.js';

const GO_TYPES: Record<string, string> = {
  name: 'string',
  type: 'string',
  stream: 'string',
  toxicity: 'float32',
};

/** "json: cannot unmarshal <kind> into Go struct field <Struct>.<field> of type <type>" as a 400. */
function unmarshalError(value: unknown, field: string, goType: string): ApiError {
  return ApiError.join(
    ErrBadRequestBody,
    `json: cannot unmarshal ${goJsonKind(value)} into Go struct field ToxicWrapper.${field} of type ${goType}`,
  );
}

function asObject(body: unknown, goType: string): Record<string, unknown> {
  if (body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw ApiError.join(ErrBadRequestBody, `json: cannot unmarshal ${goJsonKind(body)} into Go value of type ${goType}`);
  }
  return body as Record<string, unknown>;
}

/** The attribute names a toxic type declares, to fold request keys onto case-insensitively. */
function attributeFields(def: ToxicType): string[] {
  return def.schema instanceof z.ZodObject ? Object.keys(def.schema.shape) : [];
}

/** Fold, merge onto `base`, and parse attributes with the type's schema; a bad one is a 400. */
function parseAttributes(def: ToxicType, raw: unknown, base: Record<string, unknown>): Record<string, unknown> {
  const given = asObject(raw ?? {}, `toxics.${def.type}`);
  const fields = attributeFields(def);
  const merged = { ...base, ...(fields.length ? foldKeys(given, fields) : given) };
  const parsed = def.schema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.path.map(String).join('.');
  const value = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)?.[k], merged);
  if (issue.code === 'invalid_type') {
    const expected = String(issue.expected);
    const goType = expected === 'int' ? 'int64' : expected === 'number' ? 'float64' : expected === 'boolean' ? 'bool' : expected;
    throw unmarshalError(value, `attributes.${key}`, goType);
  }
  throw ApiError.join(ErrBadRequestBody, `attributes.${key}: ${issue.message}`);
}

function checkTypes(fields: Record<string, unknown>): void {
  for (const [field, goType] of Object.entries(GO_TYPES)) {
    const v = fields[field];
    if (v === undefined) continue;
    if (goType === 'string' ? typeof v !== 'string' : typeof v !== 'number') throw unmarshalError(v, field, goType);
  }
}

/** POST /proxies/{p}/toxics: the new toxic, or Toxiproxy's error for the body. */
export function toxicFromCreateBody(body: unknown, existing: (name: string) => boolean): ToxicSpec {
  const fields = foldKeys(asObject(body, 'toxics.ToxicWrapper'), [...Object.keys(GO_TYPES), 'attributes']);
  checkTypes(fields);
  const stream = typeof fields.stream === 'string' ? fields.stream.toLowerCase() : 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream') throw ErrInvalidStream;
  const type = typeof fields.type === 'string' ? fields.type : '';
  const name = typeof fields.name === 'string' && fields.name !== '' ? fields.name : `${type}_${stream}`;
  const def = findToxicType(type);
  if (!def) throw ErrInvalidToxicType;
  if (existing(name)) throw ErrToxicAlreadyExists;
  const attributes = parseAttributes(def, fields.attributes, {});
  return normalizeToxic({ name, type, stream: stream, toxicity: fields.toxicity ?? 1, attributes });
}

/** PATCH (or POST) /proxies/{p}/toxics/{t}: `current` with the body's attributes and toxicity. */
export function toxicFromUpdateBody(body: unknown, current: ToxicSpec): ToxicSpec {
  const fields = foldKeys(asObject(body, 'struct { Attributes interface {}; Toxicity float32 }'), ['attributes', 'toxicity']);
  if (fields.toxicity !== undefined && typeof fields.toxicity !== 'number') {
    throw unmarshalError(fields.toxicity, 'toxicity', 'float32');
  }
  const def = findToxicType(current.type);
  if (!def) throw ErrInvalidToxicType;
  const attributes = parseAttributes(def, fields.attributes, current.attributes);
  return { ...current, toxicity: (fields.toxicity) ?? current.toxicity, attributes };
}
