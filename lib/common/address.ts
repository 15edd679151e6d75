/** An IPv4/IPv6 host and TCP port. */
export interface Address {
  /** IP address or host name. */
  readonly host: string;
  /** TCP port; 0 means any free port when listening. */
  readonly port: number;
}

const HOST_PATTERN = /^[A-Za-z0-9.\-:]+$/;

/**
 * Parse `IP:PORT`, `IP PORT` or `[v6]:PORT`.
 *
 * @throws {SyntaxError} when the text is not an address
 * @throws {RangeError} when the port is outside 0..65535
 */
export function parseAddress(text: string, options: { allowPortZero?: boolean } = {}): Address {
  const trimmed = text.trim();
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed);
  const spaced = /^(\S+)\s+(\S+)$/.exec(trimmed);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
  } else if (spaced) {
    host = spaced[1]!;
    portText = spaced[2]!;
  } else {
    const colon = trimmed.lastIndexOf(":");
    if (colon <= 0) throw new SyntaxError(`Invalid address "${text}": expected IP:PORT`);
    host = trimmed.slice(0, colon);
    portText = trimmed.slice(colon + 1);
  }
  if (!HOST_PATTERN.test(host)) throw new SyntaxError(`Invalid address "${text}": bad host`);
  if (!bracketed && host.includes(":")) {
    throw new SyntaxError(`Invalid address "${text}": write an IPv6 host as [host]:port`);
  }
  if (!/^\d{1,5}$/.test(portText)) {
    throw new SyntaxError(`Invalid address "${text}": port "${portText}" is not a number`);
  }
  const port = Number(portText);
  const minPort = options.allowPortZero ? 0 : 1;
  if (port < minPort || port > 65535) {
    throw new RangeError(`Invalid address "${text}": port must be ${minPort}..65535`);
  }
  return { host, port };
}

/** Format an address as `IP:PORT` (`[v6]:PORT` for IPv6). */
export function formatAddress(address: Address): string {
  return address.host.includes(":")
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
