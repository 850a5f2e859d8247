import { pathToFileURL } from 'node:url';

/** Whether the module at `url` is the script node was started with (a bench that is also a section of bench/main.ts). */
export const isMain = (url: string): boolean =>
  process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
