/**
 * The reason an error code of h2race's own GOAWAY stands for, when h2race ended a connection on
 * purpose (proxy/events.ts ConnectionEndReason). A graceful GOAWAY ends a client connection only at
 * shutdown; an idle upstream session says so itself.
 */
import { ErrorCode } from '../h2/frame/constants.js';
import type { ConnectionEndReason } from './events.js';

export function endReason(code: number): ConnectionEndReason {
  switch (code) {
    case ErrorCode.NO_ERROR:
      return 'shutdown';
    case ErrorCode.ENHANCE_YOUR_CALM:
      return 'flood';
    case ErrorCode.INTERNAL_ERROR:
      return 'internal-error';
    case ErrorCode.SETTINGS_TIMEOUT:
      return 'settings-timeout';
    default:
      return 'protocol-error';
  }
}
