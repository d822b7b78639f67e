/** Imports every toxic module once so each registers itself; one line per toxic. */
import './latency.js';
import './noop.js';
