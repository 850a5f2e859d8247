import type { Stats } from 'node:fs';

/**
 * What tells one state of a file from another without reading it: a file edited (size, modification or change
 * time) or replaced (device and inode) gets another stamp. Caches of the controller's files read them again then.
 */
export const fileStamp = (st: Stats): string => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
