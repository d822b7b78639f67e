import { safeModeSuite } from './safe-modes.js';

safeModeSuite(true, true);
