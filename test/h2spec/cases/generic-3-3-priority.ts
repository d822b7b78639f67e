/** h2spec generic/3_3_priority.go — RFC 7540 §6.3: PRIORITY frames in any stream state. */
import type { PriorityParam } from '../conn.js';
import type { SpecGroup } from '../spec.js';
import { answered, caseOf, writeRequest } from '../steps.js';

/** A PRIORITY frame on `streamId`, then a GET on stream 1 that the server must answer. */
function priorityThenRequest(desc: string, requirement: string, streamId: number, p: PriorityParam): SpecGroup['cases'][number] {
  return caseOf(desc, requirement, (conn, c) => {
    conn.writePriority(streamId, p);
    writeRequest(conn, c);
  }, answered);
}

export const priority: SpecGroup = {
  key: 'generic',
  section: '3.3',
  name: 'PRIORITY',
  cases: [
    priorityThenRequest('Sends a PRIORITY frame with priority 1', 'The endpoint MUST accept PRIORITY frame with priority 1.', 1, {
      streamDep: 0,
      exclusive: false,
      weight: 0,
    }),
    priorityThenRequest('Sends a PRIORITY frame with priority 256', 'The endpoint MUST accept PRIORITY frame with priority 256.', 1, {
      streamDep: 0,
      exclusive: false,
      weight: 255,
    }),
    priorityThenRequest(
      'Sends a PRIORITY frame with stream dependency',
      'The endpoint MUST accept PRIORITY frame with stream dependency.',
      3,
      { streamDep: 1, exclusive: false, weight: 0 },
    ),
    priorityThenRequest('Sends a PRIORITY frame with exclusive', 'The endpoint MUST accept PRIORITY frame with exclusive.', 1, {
      streamDep: 0,
      exclusive: true,
      weight: 0,
    }),
    priorityThenRequest(
      'Sends a PRIORITY frame for an idle stream, then send a HEADER frame for a lower stream ID',
      'The endpoint MUST respond the HEADER frame.',
      3,
      { streamDep: 0, exclusive: false, weight: 255 },
    ),
  ],
};
