/**
 * The NSS key log (`--keylog FILE`, the SSLKEYLOGFILE convention): one line per TLS secret of
 * every session h2race terminates (the front) or opens (an https:// origin), so Wireshark can
 * decrypt a capture of either side. Lines are appended (curl, browsers and h2race can share one
 * file); a file h2race creates is readable by its owner only (0600): its lines decrypt traffic.
 *
 * Lifecycle — owner: startProxy(), which opens it before the listeners and closes it after
 * them; a write error is logged once and later lines are dropped (the proxy keeps running).
 */
import { open } from 'node:fs/promises';
import type { Logger } from 'pino';

export interface KeyLog {
  /** A line as Node's 'keylog' events give it (NSS format, ending in a newline). */
  write(line: Buffer): void;
  close(): Promise<void>;
}

export async function openKeyLog(path: string, logger: Logger): Promise<KeyLog> {
  let handle;
  try {
    handle = await open(path, 'a', 0o600);
  } catch (err) {
    throw new Error(`cannot open key log ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const stream = handle.createWriteStream();
  let failed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    logger.warn({ path, err: err.code ?? err.message }, 'key log write failed; no more lines go to it');
  });
  return {
    write(line) {
      if (!failed) stream.write(line);
    },
    close() {
      return new Promise((resolve) => {
        if (stream.destroyed) return resolve();
        stream.end(() => resolve());
      });
    },
  };
}
