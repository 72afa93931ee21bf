// OpenAPI 3.1 documents built from the same zod schemas the routes validate
// with: a request the document allows is a request the code accepts, and the
// other way round. Each service lists its operations once (src/http/openapi.ts);
// GET /openapi.json serves the document, and a test checks that every route the
// app answers is in it.
import { z } from 'zod';
import { ERROR_KINDS, type ErrorKind } from './errors';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Content type of `schema`; default application/json. */
  contentType?: string;
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

export interface OperationSpec {
  method: 'get' | 'post';
  /** OpenAPI form: `/orders/{reference}`. */
  path: string;
  operationId: string;
  summary: string;
  tags?: string[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** Content type of the body, when not application/json. */
  bodyContentType?: string;
  responses: Record<number, ResponseSpec>;
  /** Problem answers this operation can give besides the ones every operation can. */
  problems?: ErrorKind[];
  /** 'bearer': the caller proves who it is with a bearer token (JWT), or is a service named by its Dapr identity. */
  security?: 'bearer';
}

export const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(fieldErrorSchema).optional(),
  })
  .meta({ description: 'RFC 9457 problem details; `errors` names each bad field' });

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete converted.$schema;
  return converted;
}

function parameters(where: 'path' | 'query' | 'header', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  const converted = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(converted.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (converted.required ?? []).includes(name),
    schema: property,
  }));
}

const problemResponse = (kind: ErrorKind) => ({
  description: ERROR_KINDS[kind].title,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

export function buildOpenApiDocument(info: { title: string; version: string; description: string }, operations: OperationSpec[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(operation.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.headers ? { headers: response.headers } : {}),
        ...(response.schema
          ? { content: { [response.contentType ?? 'application/json']: { schema: jsonSchema(response.schema, 'output') } } }
          : {}),
      };
    }
    // What any operation may answer: a caller that is not the sidecar (401), and,
    // with input to check, 400; with a body, also 413 and 415.
    const problems = new Set<ErrorKind>(['unauthorized', ...(operation.problems ?? [])]);
    if (operation.security) problems.add('not_authenticated');
    if (operation.params || operation.query || operation.headers || operation.body) problems.add('invalid_data');
    if (operation.body) ['malformed_json', 'payload_too_large', 'unsupported_media_type'].forEach((k) => problems.add(k as ErrorKind));
    for (const kind of problems) responses[String(ERROR_KINDS[kind].status)] ??= problemResponse(kind);

    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = {
      operationId: operation.operationId,
      summary: operation.summary,
      ...(operation.tags ? { tags: operation.tags } : {}),
      ...(operation.security ? { security: [{ bearerAuth: [] }] } : {}),
      parameters: [
        ...parameters('path', operation.params),
        ...parameters('query', operation.query),
        ...parameters('header', operation.headers),
      ],
      ...(operation.body
        ? {
            requestBody: {
              required: true,
              content: { [operation.bodyContentType ?? 'application/json']: { schema: jsonSchema(operation.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
      ...(operations.some((operation) => operation.security)
        ? {
            securitySchemes: {
              bearerAuth: {
                type: 'http',
                scheme: 'bearer',
                bearerFormat: 'JWT',
                description: "A token from the customers' OpenID Connect issuer; its subject (or configured claim) is the customer id",
              },
            },
          }
        : {}),
    },
  };
}

/** The operations every service's app answers the same way (probes, metrics, this document). */
export function standardOperations(): OperationSpec[] {
  return [
    {
      method: 'get',
      path: '/health/live',
      operationId: 'live',
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      responses: { 200: { description: 'Live', schema: z.object({ status: z.literal('live') }) } },
    },
    {
      method: 'get',
      path: '/health/ready',
      operationId: 'ready',
      summary: 'Readiness: the service can reach its database',
      tags: ['operations'],
      responses: { 200: { description: 'Ready', schema: z.object({ status: z.literal('ready') }) } },
      problems: ['unavailable'],
    },
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tags: ['operations'],
      responses: { 200: { description: 'Prometheus text exposition format', schema: z.string(), contentType: 'text/plain' } },
    },
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openApiDocument',
      summary: 'This document',
      tags: ['operations'],
      responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.object({}).loose() } },
    },
  ];
}

/** GET /asyncapi.json, for a service that publishes events (createHttpApp's `asyncApi`). */
export const asyncApiOperation: OperationSpec = {
  method: 'get',
  path: '/asyncapi.json',
  operationId: 'asyncApiDocument',
  summary: 'The AsyncAPI 3 document of the events this service publishes',
  tags: ['operations'],
  responses: { 200: { description: 'AsyncAPI 3.0 document', schema: z.object({}).loose() } },
};

/** `/orders/:reference` (Express) → `/orders/{reference}` (OpenAPI). */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
