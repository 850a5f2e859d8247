import { createHash } from 'node:crypto';

/**
 * File contents kept for the rest of a run (check mode's would-be files), shared between hosts: most hosts
 * would write the same iscsid.conf or multipath.conf, and 2,000 hosts must not hold 2,000 copies of it.
 * Entries are weak: a content no host keeps any more is collected, and its entry goes with it.
 */
const byDigest = new Map<string, WeakRef<Buffer>>();
const forget = new FinalizationRegistry<string>((digest) => {
  if (byDigest.get(digest)?.deref() === undefined) byDigest.delete(digest);
});

/** A buffer equal to `content`, of its own size (not a view keeping a larger pooled buffer alive), shared with any equal one still kept. */
export function sharedContent(content: Buffer): Buffer {
  const digest = createHash('sha256').update(content).digest('base64');
  const kept = byDigest.get(digest)?.deref();
  if (kept) return kept;
  const own = Buffer.allocUnsafeSlow(content.length);
  content.copy(own);
  byDigest.set(digest, new WeakRef(own));
  forget.register(own, digest);
  return own;
}
