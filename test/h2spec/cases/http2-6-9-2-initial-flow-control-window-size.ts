/** h2spec http2/6_9_2_initial_flow_control_window_size.go — RFC 7540 §6.9.2: INITIAL_WINDOW_SIZE changes on open streams. */
import { ErrorCode, FrameType, SettingId } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, connectionError, requestUnderSettings, sendBytes } from '../steps.js';
import { verifyDataFrameOfLength1, verifyEventType, verifySettingsFrameWithAck } from '../verify.js';

const { INITIAL_WINDOW_SIZE } = SettingId;

export const initialFlowControlWindowSize: SpecGroup = {
  key: 'http2',
  section: '6.9.2',
  name: 'Initial Flow-Control Window Size',
  cases: [
    {
      desc: 'Changes SETTINGS_INITIAL_WINDOW_SIZE after sending HEADERS frame',
      requirement: 'The endpoint MUST adjust the size of all stream flow-control windows.',
      async run(conn, c) {
        // Window 0 holds the response's DATA back; raising it to 1 lets one byte out.
        await requestUnderSettings(conn, c, 1, [INITIAL_WINDOW_SIZE, 0]);
        conn.writeSettings([INITIAL_WINDOW_SIZE, 1]);
        await verifyDataFrameOfLength1(conn, 1);
      },
    },
    {
      desc: 'Sends a SETTINGS frame for window size to be negative',
      requirement: 'The endpoint MUST track the negative flow-control window.',
      async run(conn, c) {
        // Window 3: the server sends 3 bytes; lowered to 2 the window is -1, so after a
        // WINDOW_UPDATE of 2 exactly one more byte may come.
        await requestUnderSettings(conn, c, 5, [INITIAL_WINDOW_SIZE, 3]);
        await verifyEventType(conn, FrameType.DATA);
        conn.writeSettings([INITIAL_WINDOW_SIZE, 2]);
        await verifySettingsFrameWithAck(conn);
        conn.writeWindowUpdate(1, 2);
        await verifyDataFrameOfLength1(conn, 1);
      },
    },
    caseOf(
      'Sends a SETTINGS_INITIAL_WINDOW_SIZE settings with an exceeded maximum window size value',
      'The endpoint MUST treat this as a connection error of type FLOW_CONTROL_ERROR.',
      sendBytes('\x00\x00\x06\x04\x00\x00\x00\x00\x00', '\x00\x04\x80\x00\x00\x00'),
      connectionError(ErrorCode.FLOW_CONTROL_ERROR),
    ),
  ],
};
