/**
 * Feeds one response body to the verifier as it arrives, in blocks of the verifier's size, and
 * books every corrupted byte on the stream's record. Verification that runs asynchronously
 * (a reference fetch) is tracked in `pending`, which the run awaits before it reports.
 */
import type { RunRecorder } from './recorder.js';
import type { StreamRecord } from './types.js';
import type { ContentVerifier } from './verifier.js';

export class BodyChecker {
  private block: Buffer[] = [];
  private blockLength = 0;
  private blockOffset: number;

  constructor(
    private readonly verifier: ContentVerifier,
    private readonly recorder: RunRecorder,
    private readonly record: StreamRecord,
    private readonly pending: Set<Promise<void>>,
    private readonly path: string,
    /** Body offset of the first byte (from Content-Range). */
    offset: number,
    private readonly ranged: boolean,
  ) {
    this.blockOffset = offset;
  }

  push(chunk: Buffer): void {
    if (this.verifier.blockBytes === 0) {
      this.check(chunk, this.blockOffset);
      this.blockOffset += chunk.length;
      return;
    }
    this.block.push(chunk);
    this.blockLength += chunk.length;
    if (this.blockLength >= this.verifier.blockBytes) this.flush();
  }

  /** Verifies what is left (the stream ended or died). */
  flush(): void {
    if (this.blockLength === 0) return;
    const data = Buffer.concat(this.block, this.blockLength);
    const offset = this.blockOffset;
    this.block = [];
    this.blockOffset += this.blockLength;
    this.blockLength = 0;
    this.check(data, offset);
  }

  private check(data: Buffer, offset: number): void {
    const atMs = this.recorder.now();
    const result = this.verifier.verifyBody(this.path, offset, data, this.ranged);
    if (!(result instanceof Promise)) {
      if (result.count > 0) this.recorder.noteCorruption(this.record, result.count, offset + result.first, atMs);
      return;
    }
    const done = result.then(
      (m) => {
        if (m.count > 0) this.recorder.noteCorruption(this.record, m.count, offset + m.first, atMs);
      },
      (err: Error) => {
        this.recorder.verifyErrors.push({
          connection: this.record.connection,
          atMs: this.recorder.now(),
          message: `verification of ${this.path} at ${offset} failed: ${err.message}`,
        });
      },
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }
}
