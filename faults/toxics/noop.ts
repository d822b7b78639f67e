/** noop: lets everything through (Toxiproxy has it; useful to test toxic plumbing). */
import { z } from 'zod';
import { passThrough } from '../link/stage.js';
import { registerLinkToxic } from './link-toxic.js';

export const noopToxic = registerLinkToxic({
  type: 'noop',
  summary: 'does nothing',
  schema: z.object({}),
  stage: passThrough,
});
