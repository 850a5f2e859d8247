import { expect, it } from 'vitest';
import { failureLines, machineBusySeconds, timed } from '../../../bench/timed.js';

it("counts the machine's busy CPU while a command spins", async () => {
  const before = machineBusySeconds();
  const t = await timed(process.execPath, ['-e', 'const end = Date.now() + 400; while (Date.now() < end);']);
  expect(t.code).toBe(0);
  // the spinning child alone keeps one core busy for 0.4 s (USER_HZ 100: 10 ms steps)
  expect(t.machineBusySeconds).toBeGreaterThanOrEqual(0.3);
  expect(machineBusySeconds() - before).toBeGreaterThanOrEqual(t.machineBusySeconds);
});

it('keeps the lines that name failing hosts and errors', () => {
  const out = ['ok: [a]', 'fatal: [b]: FAILED! => boom', 'a : ok=3 failed=0', 'b : ok=1 failed=1'].join('\n');
  expect(failureLines(out)).toEqual(['fatal: [b]: FAILED! => boom', 'b : ok=1 failed=1']);
});

it("keeps all of a failing command's output, also what comes after its exit (the reason it failed)", async () => {
  // the process exits before all it wrote is read: here a child of it writes on after it
  const t = await timed('/bin/sh', ['-c', "printf 'started\n'; (sleep 0.3; printf 'why it failed\n') & exit 3"]);
  expect(t.code).toBe(3);
  expect(t.output).toBe('started\nwhy it failed\n');
});
