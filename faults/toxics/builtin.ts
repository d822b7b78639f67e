/**
 * Every toxic h2race ships, and the one call that registers them. The composition roots (the CLI,
 * the bench's processes, the test setup) call registerBuiltinToxics() before they read a config or
 * open a proxy; nothing below them imports the toxics for a side effect, so the link, the profiles
 * and the toxics that run a sub-chain (profile, schedule) depend on the registry, not on each other.
 */
import { bandwidthToxic } from './bandwidth.js';
import { latencyToxic } from './latency.js';
import { limitDataToxic } from './limit-data.js';
import { lossToxic } from './loss.js';
import { noopToxic } from './noop.js';
import { profileToxic } from './profile.js';
import { registerToxic, type ToxicType } from './registry.js';
import { reorderToxic } from './reorder.js';
import { resetPeerToxic } from './reset-peer.js';
import { rstDelayToxic } from './rst-delay.js';
import { rstInjectToxic } from './rst-inject.js';
import { scheduleToxic } from './schedule.js';
import { slicerToxic } from './slicer.js';
import { slowCloseToxic } from './slow-close.js';
import { timeoutToxic } from './timeout.js';
import { traceToxic } from './trace.js';

/** In the order `h2race toxic types` lists them: Toxiproxy's own first, then h2race's. */
const BUILTIN_TOXICS: readonly ToxicType[] = [
  latencyToxic,
  bandwidthToxic,
  slowCloseToxic,
  timeoutToxic,
  resetPeerToxic,
  slicerToxic,
  limitDataToxic,
  noopToxic,
  lossToxic,
  traceToxic,
  reorderToxic,
  rstDelayToxic,
  rstInjectToxic,
  profileToxic,
  scheduleToxic,
];

/** Registers every built-in toxic; a second call (a test calling a root's function) changes nothing. */
export function registerBuiltinToxics(): void {
  for (const def of BUILTIN_TOXICS) registerToxic(def);
}
