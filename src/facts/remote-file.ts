import type { RemoteFile } from '../connection/types.js';
import { fileFact } from './fact.js';

/** A path on the host: its stat and (a regular file's) content, or null when nothing is there. */
export const remoteFile = fileFact<string, RemoteFile | null>({
  name: 'file',
  path: (path) => path,
  parse: (file) => file,
});
