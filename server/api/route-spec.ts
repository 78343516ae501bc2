// A route is declared once: its zod schemas validate the request and are
// published in the OpenAPI document, so the docs cannot drift from the checks.
import type { Request, RequestHandler, Response, Router } from 'express';
import { z, type ZodType } from 'zod';
import type { Role, SessionUser } from '../domain/session.js';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../shared/errors.js';

export type Access = 'public' | 'signed-in' | readonly Role[];

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Null only on public routes. */
  user: SessionUser | null;
  req: Request;
  res: Response;
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path, e.g. `/api/members/:id`. */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: ZodType<B>;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  /** Documented success response. */
  response?: ZodType;
  /** Runs before validation, e.g. a rate limiter. */
  before?: readonly RequestHandler[];
  /** Success status; 204 sends no body. */
  status?: 200 | 201 | 202 | 204;
  handler: (ctx: RouteContext<B, Q, P>) => Promise<unknown> | unknown;
}

/** Keeps the generic parameters tied to the schemas while collecting specs in one array. */
export function route<B = undefined, Q = undefined, P = undefined>(spec: RouteSpec<B, Q, P>): RouteSpec {
  return spec as unknown as RouteSpec;
}

function parsePart<T>(schema: ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = issues[0]!;
  throw new ValidationError(`Invalid ${first.path}: ${first.message}`, issues);
}

function checkAccess(access: Access, user: SessionUser | undefined): void {
  if (access === 'public') return;
  if (!user) throw new UnauthorizedError();
  if (access === 'signed-in') return;
  if (!access.includes(user.role)) throw new ForbiddenError(`This needs the role ${access.join(' or ')}.`);
}

export function mountRoutes(router: Router, specs: readonly RouteSpec[]): void {
  for (const spec of specs) {
    router[spec.method](spec.path, ...(spec.before ?? []), async (req: Request, res: Response) => {
      checkAccess(spec.access, res.locals.user as SessionUser | undefined);
      const ctx: RouteContext<unknown, unknown, unknown> = {
        body: parsePart(spec.body, req.body ?? {}, 'body'),
        query: parsePart(spec.query, req.query, 'query'),
        params: parsePart(spec.params, req.params, 'params'),
        user: (res.locals.user as SessionUser | undefined) ?? null,
        req,
        res,
      };
      const result = await spec.handler(ctx);
      if (res.headersSent) return;
      const status = spec.status ?? 200;
      if (status === 204) res.status(204).end();
      else res.status(status).json(result);
    });
  }
}

const ERROR_SCHEMA = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

function jsonSchema(schema: ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

function parametersOf(spec: RouteSpec): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: prop });
    }
  }
  return out;
}

export function buildOpenApi(specs: readonly RouteSpec[], info: { title: string; version: string }): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const errorResponse = { content: { 'application/json': { schema: jsonSchema(ERROR_SCHEMA, 'output') } } };
    const responses: Record<string, unknown> = {
      [String(spec.status ?? 200)]: spec.response
        ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(spec.response, 'output') } } }
        : { description: 'Success' },
      '400': { description: 'Invalid request', ...errorResponse },
    };
    if (spec.access !== 'public') {
      responses['401'] = { description: 'Missing, expired or revoked token', ...errorResponse };
      if (Array.isArray(spec.access)) responses['403'] = { description: 'Role not allowed', ...errorResponse };
    }
    const operation: Record<string, unknown> = {
      summary: spec.summary,
      tags: [spec.tag],
      parameters: parametersOf(spec),
      responses,
      ...(spec.access === 'public' ? { security: [] } : {}),
      ...(Array.isArray(spec.access) ? { 'x-roles': spec.access } : {}),
    };
    if (spec.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
      };
    }
    (paths[openApiPath(spec.path)] ??= {})[spec.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
