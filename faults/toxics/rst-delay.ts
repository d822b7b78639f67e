/**
 * rst_delay: the session sees a client's RST_STREAM `delay` ms late (other frames pass it), so the
 * server keeps producing for a stream the client has already given up — as on a long RTT.
 */
import { z } from 'zod';
import { defineFrameToxic, tunnelsAttribute } from './frame-toxic.js';

export const rstDelayToxic = defineFrameToxic({
  type: 'rst_delay',
  summary: 'hold each client RST_STREAM for delay ms before the server session sees it (the stream attribute is ignored); tunnel streams (WebSockets over HTTP/2) only with tunnels: true',
  schema: z.object({ delay: z.number().int().min(0).max(600_000).default(100), tunnels: tunnelsAttribute }),
  open({ delay }) {
    return { inboundResetDelay: () => delay };
  },
});
