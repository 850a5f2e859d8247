/**
 * ssh2 writes every SSH packet to its transport on its own: one write call, one system call, and, as the
 * host's sshd waits on its socket, one wake-up of it per packet. A prefetch of a dozen files sends a dozen
 * SFTP requests in one turn of the event loop, and their answers come back together and start the next
 * dozen. Packets written in one turn are sent together instead: the transport is corked at the first write
 * of a turn and uncorked when the turn is over (setImmediate: after the turn's I/O callbacks and the promise
 * reactions they set off), which hands everything to the kernel in one writev, in order. Nothing waits
 * longer than the rest of the turn it was written in.
 */
export interface Corkable {
  write(...args: never[]): boolean;
  cork(): void;
  uncork(): void;
}

export function batchWritesPerTurn(transport: Corkable): void {
  const write = transport.write.bind(transport) as (...args: unknown[]) => boolean;
  let corked = false;
  const flush = () => {
    corked = false;
    transport.uncork();
  };
  transport.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      transport.cork();
      setImmediate(flush);
    }
    return write(...args);
  }) as Corkable['write'];
}

/** A transport that can be corked (a net.Socket, a jump host's channel); a stream that cannot is left as it is. */
export function isCorkable(transport: unknown): transport is Corkable {
  const t = transport as Partial<Corkable> | undefined;
  return typeof t?.write === 'function' && typeof t.cork === 'function' && typeof t.uncork === 'function';
}
