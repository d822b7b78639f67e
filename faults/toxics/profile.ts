/**
 * profile (h2race's own): a network preset as one toxic — its loss, bottleneck and latency for
 * this toxic's direction, e.g. {type: profile, stream: downstream, attributes: {preset: 4g}}.
 */
import { z } from 'zod';
import { SubChain } from '../link/sub-chain.js';
import { faultsToToxics } from '../profiles/fault-settings.js';
import { presetName } from '../profiles/presets.js';
import { defineLinkToxic } from './link-toxic.js';

export const profileToxic = defineLinkToxic({
  type: 'profile',
  summary: 'a network preset (lan, wifi, 4g, 3g, satellite, ...) for this direction, as one toxic',
  schema: z.object({ preset: presetName }),
  // The preset's toxics, made once when the toxic is added; every connection runs them.
  load: ({ preset }) => faultsToToxics({ preset }),
  stage(ctx, toxics) {
    const chain = new SubChain(ctx);
    chain.set(toxics);
    // A sub-chain is a stage: its queue, rate and delay are its sub-stages'.
    return chain;
  },
});
