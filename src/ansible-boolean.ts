// Ansible's boolean(): the spellings it takes for true and false, in any case.
const TRUE = ['true', 'yes', 'on', 'y', 't', '1'];
const FALSE = ['false', 'no', 'off', 'n', 'f', '0'];

/** A YAML boolean, 1 or 0, or one of Ansible's true/false words; undefined for anything else. */
export function ansibleBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  return TRUE.includes(word) ? true : FALSE.includes(word) ? false : undefined;
}
