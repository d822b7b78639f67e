/** noop: lets everything through (Toxiproxy has it; useful to test toxic plumbing). */
import { z } from 'zod';
import { passThrough } from '../link/stage.js';
import { defineLinkToxic } from './link-toxic.js';

export const noopToxic = defineLinkToxic({
  type: 'noop',
  summary: 'does nothing',
  schema: z.object({}),
  stage: passThrough,
});
