import { z } from 'zod';
import {
  guardsOf,
  openApiPath,
  validationResponses,
  type AnyRoute,
  type Guard,
  type HeaderSpec,
  type ResponseSpec,
} from './route';

type JsonObject = Record<string, unknown>;

const PROBLEM = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
  })
  .meta({ description: 'RFC 9457 problem details; `errors` names each invalid field' });

/**
 * A schema for the document. Schemas with a `.meta({ id })` become components: zod emits them as `$defs` of each
 * schema, which are moved to `components.schemas` (shared) and referred to from there.
 */
function schemaOf(
  schema: z.ZodType,
  io: 'input' | 'output',
  components: Record<string, unknown>,
): JsonObject {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  delete json.$schema;
  const rewritten = JSON.parse(
    JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as JsonObject;
  const defs = (rewritten.$defs ?? {}) as Record<string, unknown>;
  delete rewritten.$defs;
  Object.assign(components, defs);
  return rewritten;
}

/** Parameters from an object schema's properties (path or query). */
function parameters(
  schema: z.ZodType | undefined,
  where: 'path' | 'query',
  components: Record<string, unknown>,
): JsonObject[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input', components);
  const properties = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/**
 * Everything a route can answer: each guard's answers (two guards answering the same status are described
 * together), validation's 422, then the route's own, which may word a status its own way.
 */
function responsesOf(route: AnyRoute, guards: readonly Guard[]): Record<number, ResponseSpec> {
  const merged: Record<number, ResponseSpec> = {};
  for (const answers of [...guardsOf(route, guards).map((g) => g.responses), validationResponses(route)]) {
    for (const [status, spec] of Object.entries(answers)) {
      const earlier = merged[Number(status)];
      merged[Number(status)] =
        earlier && earlier.description !== spec.description
          ? { ...earlier, description: `${earlier.description}; ${spec.description}` }
          : spec;
    }
  }
  return { ...merged, ...route.responses };
}

/** The guards' headers, then the route's; a route naming a guard's header words it, the guard's schema stays. */
function headersOf(route: AnyRoute, guards: readonly Guard[]): HeaderSpec[] {
  const byName = new Map<string, HeaderSpec>();
  for (const header of [
    ...guardsOf(route, guards).flatMap((g) => g.headers ?? []),
    ...(route.headers ?? []),
  ]) {
    const key = header.name.toLowerCase();
    const schema = header.schema ?? byName.get(key)?.schema;
    byName.set(key, { ...byName.get(key), ...header, ...(schema ? { schema } : {}) });
  }
  return [...byName.values()];
}

/**
 * The OpenAPI 3.1 document of the mounted routes, generated from the same zod schemas that validate requests
 * (OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what zod emits).
 */
export function openApiDocument(
  routes: readonly AnyRoute[],
  guards: readonly Guard[],
  info: { title: string; version: string; description: string },
) {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const components: Record<string, unknown> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const responses: Record<string, JsonObject> = {};
    for (const [status, spec] of Object.entries(responsesOf(route, guards))) {
      const isProblem = Number(status) >= 400;
      const contentType = spec.contentType ?? (isProblem ? 'application/problem+json' : 'application/json');
      const schema = spec.schema ?? (isProblem ? PROBLEM : undefined);
      responses[status] = {
        description: spec.description,
        ...(schema ? { content: { [contentType]: { schema: schemaOf(schema, 'output', components) } } } : {}),
      };
    }
    paths[path] ??= {};
    paths[path][route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      ...(route.scope === 'public' ? { security: [] } : {}),
      ...(route.scope === 'admin' ? { 'x-required-scope': 'admin' } : {}),
      parameters: [
        ...parameters(route.params, 'path', components),
        ...parameters(route.query, 'query', components),
        ...headersOf(route, guards).map((h) => ({
          name: h.name,
          in: 'header',
          required: h.required ?? false,
          description: h.description,
          schema: h.schema ? schemaOf(h.schema, 'input', components) : { type: 'string' },
        })),
      ],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(route.body, 'input', components) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    security: [{ ApiKey: [] }],
    components: {
      schemas: components,
      securitySchemes: {
        ApiKey: { type: 'http', scheme: 'bearer', description: 'An API key issued by `npm run api-key`' },
      },
    },
    paths,
  };
}
