/** h2spec http2/5_3_1_stream_dependencies.go — RFC 7540 §5.3.1: a stream cannot depend on itself. */
import { ErrorCode } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, streamError, writeRequest } from '../steps.js';

const requirement = 'The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR.';
const onItself = { streamDep: 1, exclusive: false, weight: 255 };

export const streamDependencies: SpecGroup = {
  key: 'http2',
  section: '5.3.1',
  name: 'Stream Dependencies',
  cases: [
    caseOf('Sends HEADERS frame that depends on itself', requirement, (conn, c) => writeRequest(conn, c, { priority: onItself }), streamError(ErrorCode.PROTOCOL_ERROR)),
    caseOf('Sends PRIORITY frame that depend on itself', requirement, (conn) => conn.writePriority(1, onItself), streamError(ErrorCode.PROTOCOL_ERROR)),
  ],
};
