/** h2spec generic/3_5_settings.go — RFC 7540 §6.5: a SETTINGS frame with every defined parameter. */
import { SettingId } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf } from '../steps.js';
import { verifySettingsFrameWithAck } from '../verify.js';

export const settings: SpecGroup = {
  key: 'generic',
  section: '3.5',
  name: 'SETTINGS',
  cases: [
    caseOf(
      'Sends a SETTINGS frame',
      'The endpoint MUST accept SETTINGS frame.',
      (conn) =>
        conn.writeSettings(
          [SettingId.HEADER_TABLE_SIZE, 4096],
          [SettingId.ENABLE_PUSH, 1],
          [SettingId.MAX_CONCURRENT_STREAMS, 100],
          [SettingId.INITIAL_WINDOW_SIZE, 65535],
          [SettingId.MAX_FRAME_SIZE, 16384],
          [SettingId.MAX_HEADER_LIST_SIZE, 100],
        ),
      verifySettingsFrameWithAck,
    ),
  ],
};
