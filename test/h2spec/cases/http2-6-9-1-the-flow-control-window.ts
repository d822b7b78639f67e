/** h2spec http2/6_9_1_the_flow_control_window.go — RFC 7540 §6.9.1: windows respected, windows overflowing. */
import { ErrorCode, FrameType, SettingId, errorCodeName } from '../../../h2/frame/constants.js';
import { describeEvent, errorCodeOf } from '../events.js';
import { TestError, type SpecGroup } from '../spec.js';
import { requestUnderSettings, writeRequest } from '../steps.js';
import { verifyDataFrameOfLength1 } from '../verify.js';

const MAX_WINDOW = 2147483647;

export const theFlowControlWindow: SpecGroup = {
  key: 'http2',
  section: '6.9.1',
  name: 'The Flow-Control Window',
  cases: [
    {
      desc: 'Sends SETTINGS frame to set the initial window size to 1 and sends HEADERS frame',
      requirement: 'The endpoint MUST NOT send a flow-controlled frame with a length that exceeds the space available.',
      async run(conn, c) {
        await requestUnderSettings(conn, c, 1, [SettingId.INITIAL_WINDOW_SIZE, 1]);
        await verifyDataFrameOfLength1(conn, 1);
      },
    },
    {
      desc: 'Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1',
      requirement: 'The endpoint MUST sends a GOAWAY frame with a FLOW_CONTROL_ERROR code.',
      async run(conn) {
        await conn.handshake();
        conn.writeWindowUpdate(0, MAX_WINDOW);
        conn.writeWindowUpdate(0, MAX_WINDOW);
        // Unlike VerifyConnectionError, a close without this GOAWAY does not pass.
        const [ev, found] = await conn.waitEventByType(FrameType.GOAWAY);
        if (!found || ev.kind !== 'frame' || errorCodeOf(ev) !== ErrorCode.FLOW_CONTROL_ERROR) {
          throw new TestError([`GOAWAY Frame (Error Code: ${errorCodeName(ErrorCode.FLOW_CONTROL_ERROR)})`], describeEvent(ev));
        }
      },
    },
    {
      desc: 'Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1 on a stream',
      requirement: 'The endpoint MUST sends a RST_STREAM frame with a FLOW_CONTROL_ERROR code.',
      async run(conn, c) {
        await conn.handshake();
        writeRequest(conn, c, { endStream: false });
        conn.writeWindowUpdate(1, MAX_WINDOW);
        conn.writeWindowUpdate(1, MAX_WINDOW);
        const [ev, found] = await conn.waitEventByType(FrameType.RST_STREAM);
        // As in h2spec, the code is only checked when the RST_STREAM is on stream 1.
        const passed = found && ev.kind === 'frame' && (ev.streamId !== 1 || errorCodeOf(ev) === ErrorCode.FLOW_CONTROL_ERROR);
        if (!passed) throw new TestError([`RST_STREAM Frame (Error Code: ${errorCodeName(ErrorCode.FLOW_CONTROL_ERROR)})`], describeEvent(ev));
      },
    },
  ],
};
