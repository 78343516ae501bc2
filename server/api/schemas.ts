// Request pieces shared by several routers.
import { z } from 'zod';

export const idParams = z.object({ id: z.coerce.number().int().positive() });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
};

/** Query strings carry `?flag=true`; a bare boolean coercion would read "false" as true. */
export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

export const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date such as 2026-11-23T10:00:00Z');
