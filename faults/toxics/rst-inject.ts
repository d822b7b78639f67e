/**
 * rst_inject: a browser seek without a browser. A stream whose :path matches is cancelled `after`
 * ms after its response started (with `probability`) — while its data is on the way, as a seek
 * would, and not before the server has produced any. The session sees RST_STREAM(CANCEL) from the client and the client one
 * from the server, so both sides agree the stream is gone. Like a real reset, it triggers the
 * pool's reset handling (the race, in release-on-reset).
 */
import { z } from 'zod';
import { defineFrameToxic, tunnelsAttribute } from './frame-toxic.js';

/** `/regex/` is a regular expression; anything else is a path prefix. Throws on a bad regex. */
function compilePathMatcher(text: string): (path: string) => boolean {
  if (text.length < 2 || !text.startsWith('/') || !text.endsWith('/')) return (path) => path.startsWith(text);
  const re = new RegExp(text.slice(1, -1));
  return (path) => re.test(path);
}

function isPathMatcher(text: string): boolean {
  try {
    compilePathMatcher(text);
    return true;
  } catch {
    return false;
  }
}

export const rstInjectToxic = defineFrameToxic({
  type: 'rst_inject',
  summary: 'cancel streams whose :path matches (prefix, or /regex/) after ms from the response start, with probability, on both sides (the stream attribute is ignored); tunnel streams (WebSockets over HTTP/2) only with tunnels: true',
  schema: z.object({
    path: z.string().min(1).refine(isPathMatcher, 'not a valid /regular expression/').default('/'),
    probability: z.number().min(0).max(1).default(1),
    after: z.number().int().min(0).max(600_000).default(0),
    tunnels: tunnelsAttribute,
  }),
  open({ path, probability, after }, { rng, setTimer, record }) {
    const matches = compilePathMatcher(path);
    return {
      responseStarted(stream, cancel) {
        if (!matches(stream.path) || rng.next() >= probability) return;
        record('cancel', { stream: stream.id, path: stream.path, after });
        setTimer(after, cancel);
      },
    };
  },
});
