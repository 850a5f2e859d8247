/** `ibstat` of a host with two HCAs, in infiniband-diags' format (ibstat.c: ca_dump, port_dump). */
export const IBSTAT_TWO_HCAS = `CA 'mlx5_0'
\tCA type: MT4123
\tNumber of ports: 2
\tFirmware version: 20.28.1002
\tHardware version: 0
\tNode GUID: 0x98039b03009fcfd6
\tSystem image GUID: 0x98039b03009fcfd6
\tPort 1:
\t\tState: Active
\t\tPhysical state: LinkUp
\t\tRate: 200
\t\tBase lid: 6
\t\tLMC: 0
\t\tSM lid: 1
\t\tCapability mask: 0x2651e848
\t\tPort GUID: 0x98039b03009fcfd6
\t\tLink layer: InfiniBand
\tPort 2:
\t\tState: Down
\t\tPhysical state: Polling
\t\tRate: 10
\t\tBase lid: 65535
\t\tLMC: 0
\t\tSM lid: 0
\t\tCapability mask: 0x2651e848
\t\tPort GUID: 0x98039b03009fcfd7
\t\tLink layer: InfiniBand
CA 'mlx5_1'
\tCA type: MT4119
\tNumber of ports: 2
\tFirmware version: 16.31.1014
\tHardware version: 0
\tNode GUID: 0x248a070300a80a7e
\tSystem image GUID: 0x248a070300a80a7e
\tPort 1:
\t\tState: Initializing
\t\tPhysical state: LinkUp
\t\tRate: 100
\t\tBase lid: 0
\t\tLMC: 0
\t\tSM lid: 0
\t\tCapability mask: 0x2659e848
\t\tPort GUID: 0x248a070300a80a80
\t\tLink layer: InfiniBand
\tPort 2:
\t\tState: Active
\t\tPhysical state: LinkUp
\t\tRate: 100
\t\tBase lid: 4
\t\tLMC: 0
\t\tSM lid: 1
\t\tCapability mask: 0x2659e848
\t\tPort GUID: 0x248a070300a80a81
\t\tLink layer: InfiniBand
`;

/** `ibstat` of a host with one two-port HCA, both ports Active. */
export const IBSTAT_ONE_HCA = IBSTAT_TWO_HCAS.slice(IBSTAT_TWO_HCAS.indexOf("CA 'mlx5_1'"))
  .replaceAll('mlx5_1', 'mlx5_0')
  .replace('State: Initializing', 'State: Active');
