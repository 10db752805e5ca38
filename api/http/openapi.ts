import { z } from 'zod';
import { openApiPath, type AnyRoute, type ResponseSpec, type Scope } from './route';

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
 * What the scope's guards answer before a route's handler runs (api/app.ts mounts them by scope), documented
 * for every route of the scope; a route may word its own.
 */
const SCOPE_RESPONSES: Record<Scope, Record<number, ResponseSpec>> = {
  public: {},
  caller: {
    401: { description: 'Missing or unknown API key' },
    429: { description: 'Rate limit; see Retry-After' },
  },
  admin: {
    401: { description: 'Missing or unknown API key' },
    403: { description: 'The API key does not have the admin scope' },
    429: { description: 'Rate limit; see Retry-After' },
  },
};

/**
 * The OpenAPI 3.1 document of the mounted routes, generated from the same zod schemas that validate requests
 * (OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what zod emits).
 */
export function openApiDocument(
  routes: readonly AnyRoute[],
  info: { title: string; version: string; description: string },
) {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const components: Record<string, unknown> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const responses: Record<string, JsonObject> = {};
    for (const [status, spec] of Object.entries({ ...SCOPE_RESPONSES[route.scope], ...route.responses })) {
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
        ...(route.headers ?? []).map((h) => ({
          name: h.name,
          in: 'header',
          required: h.required ?? false,
          description: h.description,
          schema: { type: 'string' },
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
