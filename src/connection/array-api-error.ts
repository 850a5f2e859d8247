import { SshplayError } from '../errors.js';

/**
 * A REST API target (an E-Series array) answered a request with an error: one of the array's rules, a missing
 * object. A task that sent it fails with the array's message; the transport itself is fine (not a ConnectionError).
 */
export class ArrayApiError extends SshplayError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
