/** h2spec http2/6_5_3_settings_synchronization.go — RFC 7540 §6.5.3: settings applied in order, then acknowledged. */
import { SettingId } from '../../../h2/frame/constants.js';
import type { SpecGroup } from '../spec.js';
import { caseOf, requestUnderSettings } from '../steps.js';
import { verifyDataFrameOfLength1, verifySettingsFrameWithAck } from '../verify.js';

const { INITIAL_WINDOW_SIZE } = SettingId;

export const settingsSynchronization: SpecGroup = {
  key: 'http2',
  section: '6.5.3',
  name: 'Settings Synchronization',
  cases: [
    {
      desc: 'Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE',
      requirement: 'The endpoint MUST process the values in the settings in the order they apper.',
      async run(conn, c) {
        // The last value wins: the response's first DATA frame may carry 1 byte only.
        await requestUnderSettings(conn, c, 1, [INITIAL_WINDOW_SIZE, 100], [INITIAL_WINDOW_SIZE, 1]);
        await verifyDataFrameOfLength1(conn, 1);
      },
    },
    caseOf(
      'Sends a SETTINGS frame without ACK flag',
      'The endpoint MUST immediately emit a SETTINGS frame with the ACK flag set.',
      (conn) => conn.writeSettings([SettingId.ENABLE_PUSH, 0]),
      verifySettingsFrameWithAck,
    ),
  ],
};
