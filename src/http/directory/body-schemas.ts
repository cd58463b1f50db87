// JSON Schemas for the bodies the directory routes take, with the Graph errors SPEC §9 gives for
// them: Fastify validates a body before its handler runs, and a refusal is the Request_BadRequest
// Graph answers, naming the property (an unknown one, a missing one, a bad value, one too long).
// Whether a value is acceptable beyond its shape (a UPN's form, a role's id) is the services'.
import type { FastifySchemaValidationError } from 'fastify';
import { directoryBadRequest, type GraphError } from '../../errors.js';
import { type LimitedEntity, lengthProblem, maxLengthOf } from '../../graph/property-limits.js';

type Schema = Record<string, unknown>;

/** A string with something in it (not only spaces), at most as long as Graph allows. */
export const text = (entity: LimitedEntity, property: string, nullable = false): Schema => {
  const max = maxLengthOf(entity, property);
  return {
    type: nullable ? ['string', 'null'] : 'string',
    pattern: '\\S',
    ...(max !== undefined ? { maxLength: max } : {}),
  };
};

export const flag: Schema = { type: 'boolean' };
export const strings: Schema = { type: 'array', items: { type: 'string' } };

/** A body, its schema and how its refusals are said. */
export interface BodySchema {
  schema: Schema;
  /**
   * Fastify's route option: an error whose `cause` is the Graph error for the first thing wrong
   * (Fastify marks the error it is given as a validation error, so the Graph one rides inside).
   */
  errors: (errors: FastifySchemaValidationError[], dataVar: string) => Error;
}

/**
 * An object of these properties (and `@odata.*` annotations); `required` when creating. `entity`
 * is the resource in messages (`User`), `type` the Graph type (`microsoft.graph.user`).
 */
export function bodyOf(
  entity: LimitedEntity | 'photoUpdateSettings',
  type: string,
  properties: Record<string, Schema>,
  required: readonly string[] = [],
): BodySchema {
  return {
    schema: {
      type: 'object',
      properties,
      patternProperties: { '^@odata\\.': {} },
      additionalProperties: false,
      ...(required.length > 0 ? { required } : {}),
    },
    errors: (errors) => {
      const refusal = graphError(errors[0]!, entity, type);
      return new Error(refusal.message, { cause: refusal });
    },
  };
}

/** A body's properties without its `@odata.*` annotations, which the schema lets through. */
export function withoutAnnotations<T extends object>(body: T): T {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !key.startsWith('@odata.'))) as T;
}

/** The property an error is about: the first segment of its path, or the one named in it. */
function propertyOf(error: FastifySchemaValidationError): string | undefined {
  const params = error.params as Record<string, unknown>;
  if (typeof params['additionalProperty'] === 'string') return params['additionalProperty'];
  if (typeof params['missingProperty'] === 'string') return params['missingProperty'];
  return error.instancePath.split('/')[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
}

function graphError(error: FastifySchemaValidationError, entity: string, type: string): GraphError {
  const property = propertyOf(error);
  if (property === undefined) return directoryBadRequest('The request body must be a JSON object.');
  switch (error.keyword) {
    case 'additionalProperties':
      return directoryBadRequest(
        `Property '${property}' does not exist on type '${type}' or cannot be written.`,
      );
    case 'required':
      return directoryBadRequest(`Property '${property}' is required on a ${entity}.`);
    case 'maxLength': {
      const value = (error as { data?: unknown }).data;
      const problem =
        typeof value === 'string' ? lengthProblem(entity as LimitedEntity, property, value) : undefined;
      if (problem) return directoryBadRequest(problem);
      break;
    }
  }
  return directoryBadRequest(`Invalid value specified for property '${property}' of resource '${entity}'.`);
}

/** Fastify's validator options for these schemas: refuse what is not there, convert nothing. */
export const AJV_OPTIONS = {
  removeAdditional: false,
  coerceTypes: false,
  useDefaults: false,
  // The value is in each error, so a length refusal can say how long it was.
  verbose: true,
} as const;
