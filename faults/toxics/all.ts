/** Imports every toxic module once so each registers itself; one line per toxic. */
import './latency.js';
import './bandwidth.js';
import './slow-close.js';
import './timeout.js';
import './reset-peer.js';
import './slicer.js';
import './limit-data.js';
import './noop.js';
import './loss.js';
import './trace.js';
import './reorder.js';
import './rst-delay.js';
import './rst-inject.js';
import './profile.js';
import './schedule.js';
