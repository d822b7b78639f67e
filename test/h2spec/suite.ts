/**
 * describeH2spec: registers every ported h2spec server case as a vitest test against one target,
 * named by h2spec's id and description (e.g. "http2/5.1/8 closed: Sends a DATA frame after
 * sending RST_STREAM frame"). The target is started once for the file and closed after it; the
 * cases run concurrently, each on its own connection, as they are independent.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { h2specCases } from './cases/index.js';
import { runCase, type H2specTarget } from './run-case.js';
import type { SpecConfig } from './spec.js';

export type { H2specTarget } from './run-case.js';

export interface H2specSuiteOptions {
  /**
   * h2spec's -o: how long one read waits before the case counts the server as silent (h2spec's
   * default is 2 s; a local server answers in milliseconds, so 1 s keeps failures quick).
   */
  timeoutMs?: number;
  /** Also run h2spec's --strict cases (the SHOULDs). */
  strict?: boolean;
}

/** Even a case that reads many events ends well before this. */
const CASE_LIMIT_MS = 15_000;

export function describeH2spec(targetName: string, startTarget: () => Promise<H2specTarget>, opts: H2specSuiteOptions = {}): void {
  describe.concurrent(`h2spec server cases against ${targetName}`, () => {
    let target: H2specTarget | undefined;
    beforeAll(async () => {
      target = await startTarget();
    });
    afterAll(async () => {
      await target?.close();
    });

    for (const spec of h2specCases.filter((c) => opts.strict || !c.strict)) {
      it(`${spec.id} ${spec.desc}${spec.strict ? ' (strict)' : ''}`, async (ctx) => {
        if (target === undefined) throw new Error(`the ${targetName} target did not start`);
        const config: SpecConfig = {
          host: target.host,
          port: target.port,
          tls: target.tls,
          timeoutMs: opts.timeoutMs ?? 1_000,
          path: '/',
          maxHeaderLen: 4_000,
        };
        const result = await runCase(spec, config, CASE_LIMIT_MS);
        if (result.status === 'skipped') ctx.skip(result.reason);
        if (result.status === 'failed') throw new Error(`${spec.id} ${spec.desc}\n${result.message}`);
      }, CASE_LIMIT_MS + 5_000);
    }
  });
}
