// What a store refuses, in its own words; services turn these into the Graph errors of SPEC §9.

export class DuplicateError extends Error {
  override readonly name = 'DuplicateError';
}

export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
}
