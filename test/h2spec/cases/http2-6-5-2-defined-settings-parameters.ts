/** h2spec http2/6_5_2_defined_settings_parameters.go — RFC 7540 §6.5.2: out-of-range and unknown settings. */
import { ErrorCode, SettingId } from '../../../h2/frame/constants.js';
import { pingData, type SpecGroup } from '../spec.js';
import { caseOf, connectionError, pingAcked } from '../steps.js';

const protocolError = 'The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.';

/** A SETTINGS frame with one parameter, judged by `verify`. */
const oneSetting = (desc: string, requirement: string, id: number, value: number, verify: ReturnType<typeof connectionError>) =>
  caseOf(desc, requirement, (conn) => conn.writeSettings([id, value]), verify);

export const definedSettingsParameters: SpecGroup = {
  key: 'http2',
  section: '6.5.2',
  name: 'Defined SETTINGS Parameters',
  cases: [
    oneSetting('SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1', protocolError, SettingId.ENABLE_PUSH, 2, connectionError(ErrorCode.PROTOCOL_ERROR)),
    oneSetting(
      'SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the maximum flow control window size',
      'The endpoint MUST treat this as a connection error of type FLOW_CONTROL_ERROR.',
      SettingId.INITIAL_WINDOW_SIZE,
      2147483648,
      connectionError(ErrorCode.FLOW_CONTROL_ERROR),
    ),
    oneSetting('SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the initial value', protocolError, SettingId.MAX_FRAME_SIZE, 16383, connectionError(ErrorCode.PROTOCOL_ERROR)),
    oneSetting(
      'SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the maximum allowed frame size',
      protocolError,
      SettingId.MAX_FRAME_SIZE,
      16777216,
      connectionError(ErrorCode.PROTOCOL_ERROR),
    ),
    caseOf(
      'Sends a SETTINGS frame with unknown identifier',
      'The endpoint MUST ignore that setting.',
      (conn) => {
        conn.writeSettings([0xff, 1]);
        conn.writePing(false, pingData());
      },
      pingAcked(),
    ),
  ],
};
