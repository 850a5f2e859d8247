import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { Vars } from '../inventory/types.js';

/**
 * How to reach an E-Series array's REST API (SANtricity Web Services), from its inventory variables:
 *
 *   eseries_arrays:
 *     vars:
 *       ansible_connection: eseries_api
 *     hosts:
 *       array1:
 *         eseries_controllers: [10.0.0.11, 10.0.0.12]     # or eseries_api_url: https://10.0.0.11:8443/devmgr/v2
 *         eseries_ssid: "1"                               # the storage system's id (the collection's ssid, default "1")
 *         eseries_api_username: admin
 *         eseries_api_password: "{{ vault_array_password }}"
 *         eseries_api_cert_sha256: "AB:CD:…"              # or eseries_api_ca_file: /etc/pki/array-ca.pem
 *
 * TLS is always verified: against the CA file, or by the certificate's SHA-256 fingerprint. There is no insecure mode.
 */
export interface SantricityTarget {
  name: string;
  /** API base URLs, one per controller (…/devmgr/v2), tried in order while a controller cannot be reached. */
  urls: string[];
  ssid: string;
  username: string;
  password: string;
  /** PEM CA certificates the array's certificate must chain to. */
  ca?: string;
  /** The array certificate's SHA-256 fingerprint, upper-case hex pairs joined by colons. */
  certSha256?: string;
}

/** Web Services' default HTTPS port on the controllers. */
const API_PORT = 8443;

export function santricityTargetOf(name: string, vars: Vars): SantricityTarget {
  const bad = (field: string, expected: string, got: unknown) =>
    new ConfigError(`host '${name}' (an E-Series array): ${field} must be ${expected}, got ${JSON.stringify(got)}`);
  const text = (field: string): string | undefined => {
    const v = vars[field];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    throw bad(field, 'a string', v);
  };
  const required = (field: string): string => {
    const v = text(field);
    if (v === undefined) throw new ConfigError(`host '${name}' (an E-Series array): ${field} is not set`);
    return v;
  };
  let urls: string[];
  const url = text('eseries_api_url');
  const controllers = vars.eseries_controllers;
  if (url !== undefined && controllers !== undefined)
    throw new ConfigError(`host '${name}' (an E-Series array): set eseries_api_url or eseries_controllers, not both`);
  if (url !== undefined) urls = [url];
  else if (Array.isArray(controllers) && controllers.length > 0 && controllers.every((c) => typeof c === 'string'))
    urls = (controllers as string[]).map((c) => `https://${/:\d+$/.test(c) ? c : `${c}:${API_PORT}`}/devmgr/v2`);
  else if (controllers === undefined)
    throw new ConfigError(
      `host '${name}' (an E-Series array): set eseries_controllers (the controllers' management addresses) or eseries_api_url`,
    );
  else throw bad('eseries_controllers', "a list of the controllers' management addresses", controllers);
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw bad('eseries_api_url', 'an https:// URL', u);
    }
    if (parsed.protocol !== 'https:')
      throw bad('eseries_api_url', 'an https:// URL (the API is served over TLS only)', u);
  }
  const caFile = text('eseries_api_ca_file');
  const pin = text('eseries_api_cert_sha256');
  if (caFile === undefined && pin === undefined)
    throw new ConfigError(
      `host '${name}' (an E-Series array): set eseries_api_ca_file (the CA that signed the controllers' certificates) or eseries_api_cert_sha256 (the certificate's SHA-256 fingerprint); sshplay never talks to an array it has not verified`,
    );
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `host '${name}' (an E-Series array): eseries_api_ca_file ${caFile}: ${(e as Error).message}`,
      );
    }
  }
  let certSha256: string | undefined;
  if (pin !== undefined) {
    const hex = pin
      .replace(/^sha256:/i, '')
      .replace(/:/g, '')
      .toUpperCase();
    if (!/^[0-9A-F]{64}$/.test(hex))
      throw bad('eseries_api_cert_sha256', 'a SHA-256 fingerprint (64 hex digits, colons allowed)', pin);
    certSha256 = hex.match(/../g)?.join(':');
  }
  return {
    name,
    urls: urls.map((u) => u.replace(/\/+$/, '')),
    ssid: text('eseries_ssid') ?? '1',
    username: required('eseries_api_username'),
    password: required('eseries_api_password'),
    ...(ca !== undefined ? { ca } : {}),
    ...(certSha256 !== undefined ? { certSha256 } : {}),
  };
}
