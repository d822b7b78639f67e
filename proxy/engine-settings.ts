/** The configured HTTP/2 settings of a side as h2race's engine takes them (either role). */
import type { Http2SettingsConfig } from '../config/proxy-schema.js';
import type { ConnectionOptions } from '../h2/proto/connection-options.js';

/** The configured settings the engine announces (the same five names; unset: the engine's default). */
export function engineSettings(settings: Http2SettingsConfig): ConnectionOptions['settings'] {
  const out: NonNullable<ConnectionOptions['settings']> = {};
  for (const name of ['headerTableSize', 'maxConcurrentStreams', 'initialWindowSize', 'maxFrameSize', 'maxHeaderListSize'] as const) {
    const value = settings[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
