/**
 * Ansible's task keyword `timeout` and sshplay's --task-timeout: whole seconds a task may run on a host,
 * 0 for no limit (Ansible's default). YAML gives a number; the command line and quoted YAML give text.
 * Returns the seconds, or why the value is refused.
 */
export function parseTimeoutSeconds(value: unknown): { seconds: number } | { error: string } {
  const text = typeof value === 'string' ? value.trim() : undefined;
  const n = typeof value === 'number' ? value : text !== undefined && /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(n) && n >= 0) return { seconds: n };
  return { error: `must be a whole number of seconds (0: no limit), not ${JSON.stringify(value)}` };
}
