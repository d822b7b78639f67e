import { safeModeSuite } from './safe-modes.js';

safeModeSuite(false, true);
