/**
 * Runs one ported case against a target as h2spec's TestCase.Test does: a fresh connection, the
 * case's steps, a verdict; the connection ends in the `finally` whatever happened. A case whose
 * steps outlast `caseLimitMs` (a server that keeps talking forever) fails on that limit.
 */
import { H2specConn } from './conn.js';
import { Skipped, TestError, type SpecCase, type SpecConfig } from './spec.js';

export type CaseResult = { status: 'passed' } | { status: 'failed'; message: string } | { status: 'skipped'; reason: string };

/** The body the targets answer every request with (the flow-control cases need 5 bytes or more). */
export const TARGET_BODY = Buffer.from('h2spec target: a response body of some bytes\n');

/** What a target offers the suite: a running HTTP/2 server (GET / answers 200 with a body). */
export interface H2specTarget {
  host: string;
  port: number;
  tls: boolean;
  close(): Promise<void>;
}

export async function runCase(spec: SpecCase, config: SpecConfig, caseLimitMs: number): Promise<CaseResult> {
  let conn: H2specConn | undefined;
  let limit: NodeJS.Timeout | undefined;
  try {
    const steps = (async () => {
      conn = await H2specConn.dial(config);
      await spec.run(conn, config);
    })();
    const outlasted = new Promise<never>((_, reject) => {
      limit = setTimeout(() => reject(new Error(`the case did not finish within ${caseLimitMs} ms`)), caseLimitMs);
    });
    await Promise.race([steps, outlasted]);
    return { status: 'passed' };
  } catch (err) {
    if (err instanceof Skipped) return { status: 'skipped', reason: err.message };
    const detail = err instanceof TestError ? err.message : `Error: ${(err as Error).message}`;
    return { status: 'failed', message: `-> ${spec.requirement}\n  ${detail}` };
  } finally {
    clearTimeout(limit);
    conn?.close();
  }
}
