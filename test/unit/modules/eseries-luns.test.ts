import { describe, expect, test } from 'vitest';
import { LUN_REPORT_CMD, parseMultipath, parseSanlun, parseSmdevices } from '../../../src/facts/lun-report.js';
import { eseriesLuns } from '../../../src/modules/eseries-luns.js';
import { shellText } from '../../../src/remote-command.js';
import { planWith } from './fake-context.js';

const W = '360080e50004300ac000007575568851d';

/** The document's own `sanlun lun show -p` example (user_friendly_names: the device is mpathr). */
const SANLUN_DOC = `
E-Series Array: ictml619s01c01-SRP(60080e50002908b40000000054efb9d2)
Volume Name:
Preferred Owner: Controller in Slot B
Current Owner: Controller in Slot B
Mode: RDAC (Active/Active)
UTM LUN: None
LUN: 116
LUN Size:
Product: E-Series
Host Device: mpathr(${W})
Multipath Policy: round-robin 0
Multipath Provider: Native
--------- ---------- ------- ------------ ----------------------------------------------
host      controller                    controller
path      path       /dev/   host         target
state     type       node    adapter      port
--------- ---------- ------- ------------ ----------------------------------------------
up        secondary  sdcx    host14       A1
up        secondary  sdat    host10       A2
down      secondary  sdbv    host13       B1
`;

const SMDEVICES = `SANtricity Storage Manager Devices, Version 11.70.0000.0010
Built Tue Oct 13 10:17:02 CDT 2020

  /dev/sdb (/dev/sg2) [Storage Array sim-array, Volume v1, LUN 1, Volume ID <${W.slice(1)}>, Preferred Path (Controller-A): In Use]
  /dev/sdc (/dev/sg3) [Storage Array sim-array, Volume v1, LUN 1, Volume ID <${W.slice(1)}>, Alternate Path (Controller-B): Not In Use]
`;

const MULTIPATH = `${W} dm-0 NETAPP,INF-01-00
size=64M features='3 queue_if_no_path pg_init_retries 50' hwhandler='1 alua' wp=rw
|-+- policy='service-time 0' prio=50 status=active
| |- 14:0:0:1 sdb 8:16 active ready running
| \`- 16:0:0:1 sdd 8:48 failed faulty running
\`-+- policy='service-time 0' prio=10 status=enabled
  \`- 15:0:0:1 sdc 8:32 active ready running
`;

describe('parsers', () => {
  test('sanlun -p, the document example: mpathr(wwid), 2 of 3 paths up', () => {
    expect(parseSanlun(SANLUN_DOC)).toEqual([{ wwid: W, device: '/dev/mapper/mpathr', pathsUp: 2, paths: 3 }]);
  });
  test('sanlun -p with WWID-named maps', () => {
    expect(parseSanlun(SANLUN_DOC.replace(`mpathr(${W})`, W))[0]?.device).toBe(`/dev/mapper/${W}`);
  });
  test('SMdevices: one line per path, Volume ID without the leading 3', () => {
    expect(parseSmdevices(SMDEVICES)).toEqual([{ wwid: W, device: '/dev/sdb', pathsUp: 2, paths: 2 }]);
  });
  test('multipath -ll: active ready paths count as up', () => {
    expect(parseMultipath(MULTIPATH)).toEqual([{ wwid: W, device: `/dev/mapper/${W}`, pathsUp: 2, paths: 3 }]);
  });
  test('nothing seen', () => {
    expect(parseSanlun('sanlun: No NetApp LUNs were found on this host.\n')).toEqual([]);
    expect(parseMultipath('')).toEqual([]);
  });
});

describe('eseries_luns.plan', () => {
  const host = (stdout: string) => ({ commands: { [shellText(LUN_REPORT_CMD)]: { stdout } } });
  test('a wanted LUN that is seen: a report, no change', async () => {
    const plan = await planWith(
      eseriesLuns,
      { wwids: [{ wwid: W, mountpoint: '/m' }] },
      host(`tool=sanlun\n${SANLUN_DOC}`),
      {
        check: false,
      },
    );
    expect(plan.changes).toEqual([]);
    expect(plan.noop).toBe(`fake-host: sanlun reports ${W} /dev/mapper/mpathr 2/3 paths up`);
  });
  test('a wanted LUN that is not seen fails, naming host and WWID', async () => {
    const other = '360080e50004300ac0000000000000099';
    const plan = await planWith(eseriesLuns, { wwids: [other] }, host(`tool=multipath\n${MULTIPATH}`), {
      check: false,
    });
    expect(plan.failed).toMatch(
      new RegExp(
        `^fake-host: LUN ${other} named in iser_luns is not seen by this host \\(fake-host: multipath reports ${W}`,
      ),
    );
  });
  test('check mode: not seen yet is reported, not failed (sessions may only come with the run)', async () => {
    const plan = await planWith(eseriesLuns, { wwids: [W] }, host('tool=SMdevices\n'), { check: true });
    expect(plan.failed).toBeUndefined();
    expect(plan.noop).toContain(`not seen yet`);
  });
  test('a wwids entry that is neither', async () => {
    const plan = await planWith(eseriesLuns, { wwids: [42] }, host('tool=multipath\n'), { check: false });
    expect(plan.failed).toMatch(/wwids\[0\] is neither/);
  });
});
