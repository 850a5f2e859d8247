import { JsonStream } from '../report/json.js';
import { SecretPrompt } from './prompt.js';

/**
 * What the parts of one sshplay invocation share, made once in main and passed down (no module state): the --json
 * stream on stdout (its `start` event comes first, whoever writes first: the run's reporter or the error handler)
 * and the secrets read from stdin (piped, one line each, in the order asked).
 */
export interface CliSession {
  json: JsonStream;
  secrets: SecretPrompt;
}

export function cliSession(): CliSession {
  return { json: new JsonStream((line) => process.stdout.write(line)), secrets: new SecretPrompt() };
}
