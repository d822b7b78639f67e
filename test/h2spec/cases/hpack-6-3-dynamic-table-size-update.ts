/** h2spec hpack/6_3_dynamic_table_size_update.go — RFC 7541 §6.3: an update above SETTINGS_HEADER_TABLE_SIZE. */
import { SettingId } from '../../../h2/frame/constants.js';
import { hpackInteger } from '../../helpers/raw-h2.js';
import type { SpecGroup } from '../spec.js';
import { commonBlockWith, decodingErrorCase } from '../steps.js';

export const dynamicTableSizeUpdate: SpecGroup = {
  key: 'hpack',
  section: '6.3',
  name: 'Dynamic Table Size Update',
  cases: [
    // One more than the server's SETTINGS_HEADER_TABLE_SIZE (4096 unless it said otherwise), opening the block.
    decodingErrorCase('Sends a dynamic table size update larger than the value of SETTINGS_HEADER_TABLE_SIZE', (conn, c) => {
      const limit = conn.settings.get(SettingId.HEADER_TABLE_SIZE) ?? 4096;
      return commonBlockWith(hpackInteger(limit + 1, 5, 0x20), 'start')(conn, c);
    }),
  ],
};
