/**
 * Toxiproxy's API errors, message for message and status for status (api.go): the body is
 * `{"error":"<message>","status":<code>}` and any other failure is a 500 carrying its raw message.
 */
import { ToxicSpecError } from '../faults/toxics/registry.js';

export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'ApiError';
  }

  /** Toxiproxy's joinError: "<wrapper message>: <cause>". */
  static join(wrapper: ApiError, cause: string): ApiError {
    return new ApiError(`${wrapper.message}: ${cause}`, wrapper.status);
  }

  /** Any error as the API reports it: an ApiError as is, anything else as a 500. */
  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    if (err instanceof ToxicSpecError) {
      const known = [ErrInvalidToxicType, ErrInvalidStream, ErrToxicAlreadyExists, ErrToxicNotFound];
      if (err.status !== 400 || known.some((e) => e.message === err.message)) return new ApiError(err.message, err.status);
      return ApiError.join(ErrBadRequestBody, err.message);
    }
    return new ApiError(err instanceof Error ? err.message : String(err), 500);
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

export const ErrBadRequestBody = new ApiError('bad request body', 400);
export const ErrMissingField = new ApiError('missing required field', 400);
export const ErrProxyNotFound = new ApiError('proxy not found', 404);
export const ErrProxyAlreadyExists = new ApiError('proxy already exists', 409);
export const ErrInvalidStream = new ApiError('stream was invalid, can be either upstream or downstream', 400);
export const ErrInvalidToxicType = new ApiError('invalid toxic type', 400);
export const ErrToxicAlreadyExists = new ApiError('toxic already exists', 409);
export const ErrToxicNotFound = new ApiError('toxic not found', 404);
