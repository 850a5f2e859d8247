import { describe, expect, test } from 'vitest';
import {
  nodeRecordPath,
  parseIscsiNodeTree,
  parseIscsiRecords,
  parseIscsiSessionTree,
  recordEntry,
  splitPortal,
} from '../../../src/facts/iscsi.js';

describe('iscsiadm -m session -P 1', () => {
  // Recorded: open-iscsi issue #179 (github.com/open-iscsi/open-iscsi/issues/179), as pasted there
  // (indentation flattened). The Current Portal differs from the Persistent one (a redirect): the
  // persistent portal is the record's.
  const issue179 = `Target: iqn.2016-02.com.smatx:system-gs-7150
  Current Portal: 172.23.2.51:3261,1
  Persistent Portal: 172.23.2.50:3260,1
  **********
  Interface:
  **********
  Iface Name: default
  Iface Transport: tcp
  Iface Initiatorname: iqn.2016-02.com.smatx:system-gs-7150
  Iface IPaddress: 172.23.7.150
  Iface HWaddress: <empty>
  Iface Netdev: <empty>
  SID: 741
  iSCSI Connection State: LOGGED IN
  iSCSI Session State: LOGGED_IN
  Internal iscsid Session State: NO CHANGE
`;
  test('a recorded tcp session through the default iface', () => {
    expect(parseIscsiSessionTree(issue179)).toEqual([
      {
        target: 'iqn.2016-02.com.smatx:system-gs-7150',
        portal: '172.23.2.50',
        port: 3260,
        tpgt: 1,
        iface: 'default',
        transport: 'tcp',
        netdev: '<empty>',
        ipaddress: '172.23.7.150',
        sid: 741,
      },
    ]);
  });

  // open-iscsi 2.1: session_info_print_tree() (usr/session_info.c): the Target line once per target, the
  // portal lines once per portal (a second session to the same portal prints an empty line), the iface
  // block of iface_print() (usr/iface.c) with tabs; libopeniscsiusr reads empty host values as "default",
  // and ib_iser's host has no ipaddress, printed "[default]".
  const iser = [
    'Target: iqn.1992-08.com.netapp:5700.600a098000a4b28b000000005a1e1d2c (non-flash)',
    '\tCurrent Portal: 192.168.130.101:3260,1',
    '\tPersistent Portal: 192.168.130.101:3260,1',
    '\t\t**********',
    '\t\tInterface:',
    '\t\t**********',
    '\t\tIface Name: iface-ib0',
    '\t\tIface Transport: iser',
    '\t\tIface Initiatorname: iqn.1994-05.com.redhat:abc',
    '\t\tIface IPaddress: [default]',
    '\t\tIface HWaddress: default',
    '\t\tIface Netdev: ib0',
    '\t\tSID: 1',
    '\t\tiSCSI Connection State: LOGGED IN',
    '',
    '\t\t**********',
    '\t\tInterface:',
    '\t\t**********',
    '\t\tIface Name: iface-ib0',
    '\t\tIface Transport: iser',
    '\t\tIface IPaddress: 192.168.130.11',
    '\t\tIface Netdev: ib0',
    '\t\tSID: 2',
    '\tCurrent Portal: 192.168.130.102:3260,2',
    '\tPersistent Portal: 192.168.130.102:3260,2',
    '\t\tIface Name: iface-ib0',
    '\t\tIface Transport: iser',
    '\t\tIface Netdev: ib0',
    '\t\tSID: 3',
  ].join('\n');
  test('two sessions to one portal (the empty line) keep that portal; controller B keeps its tag 2', () => {
    const s = parseIscsiSessionTree(iser).map(
      (x) => `${x.sid} ${x.portal}:${x.port},${x.tpgt} ${x.iface} ${x.transport} ${x.netdev}`,
    );
    expect(s).toEqual([
      '1 192.168.130.101:3260,1 iface-ib0 iser ib0',
      '2 192.168.130.101:3260,1 iface-ib0 iser ib0',
      '3 192.168.130.102:3260,2 iface-ib0 iser ib0',
    ]);
  });
  test('no sessions: nothing', () => {
    expect(parseIscsiSessionTree('')).toEqual([]);
  });
});

describe('iscsiadm -m node -P 1', () => {
  // print_nodes() in open-iscsi usr/iscsiadm.c: Target when it changes, then Portal and Iface Name per record.
  const tree = [
    'Target: iqn.1992-08.com.netapp:5700.600a098000a4b28b000000005a1e1d2c',
    '\tPortal: 192.168.130.101:3260,1',
    '\t\tIface Name: iface-ib0',
    '\tPortal: 192.168.130.102:3260,2',
    '\t\tIface Name: iface-ib0',
    '\tPortal: 192.168.131.102:3260,-1',
    '\t\tIface Name: iface-ib1',
    'Target: iqn.other',
    '\tPortal: 10.0.0.1:3261,5',
    '\t\tIface Name: default',
  ].join('\n');
  test('every record with its target, portal, tag and iface', () => {
    expect(parseIscsiNodeTree(tree)).toEqual([
      {
        target: 'iqn.1992-08.com.netapp:5700.600a098000a4b28b000000005a1e1d2c',
        portal: '192.168.130.101',
        port: 3260,
        tpgt: 1,
        iface: 'iface-ib0',
      },
      {
        target: 'iqn.1992-08.com.netapp:5700.600a098000a4b28b000000005a1e1d2c',
        portal: '192.168.130.102',
        port: 3260,
        tpgt: 2,
        iface: 'iface-ib0',
      },
      {
        target: 'iqn.1992-08.com.netapp:5700.600a098000a4b28b000000005a1e1d2c',
        portal: '192.168.131.102',
        port: 3260,
        tpgt: -1,
        iface: 'iface-ib1',
      },
      { target: 'iqn.other', portal: '10.0.0.1', port: 3261, tpgt: 5, iface: 'default' },
    ]);
  });
});

describe('node records (-o show)', () => {
  // Recorded: a record as `iscsiadm -m node -o show` printed it (open-iscsi 2.0-873, github.com/vieyahn2017/iBlog
  // issue 78), shortened; two records in one output as iscsiadm prints every matched record.
  const one = `# BEGIN RECORD 2.0-873
node.name = iqn.2012-12.local.mynet:storage.lun1
node.tpgt = 1
node.startup = manual
iface.iscsi_ifacename = default
iface.net_ifacename = <empty>
iface.transport_name = tcp
node.session.auth.password = <empty>
node.session.timeo.replacement_timeout = 120
node.conn[0].address = 192.168.1.10
node.conn[0].port = 3260
# END RECORD
`;
  test('one map per record; <empty> is empty; the identity comes from the record itself', () => {
    const records = parseIscsiRecords(one + one.replace('node.tpgt = 1', 'node.tpgt = -1'));
    expect(records).toHaveLength(2);
    expect(records[0]?.get('node.startup')).toBe('manual');
    expect(records[0]?.get('node.session.auth.password')).toBe('');
    expect(recordEntry(records[0] as Map<string, string>)).toEqual({
      target: 'iqn.2012-12.local.mynet:storage.lun1',
      portal: '192.168.1.10',
      port: 3260,
      tpgt: 1,
      iface: 'default',
    });
    expect(nodeRecordPath('/var/lib/iscsi/nodes', recordEntry(records[1] as Map<string, string>))).toBe(
      '/var/lib/iscsi/nodes/iqn.2012-12.local.mynet:storage.lun1/192.168.1.10,3260,-1/default',
    );
  });
  test('no records (exit 21 prints nothing on stdout): none', () => {
    expect(parseIscsiRecords('')).toEqual([]);
  });
  test('splitPortal: the port defaults to 3260', () => {
    expect(splitPortal('192.168.130.101')).toEqual({ address: '192.168.130.101', port: 3260 });
    expect(splitPortal('192.168.130.101:3261')).toEqual({ address: '192.168.130.101', port: 3261 });
  });
});
