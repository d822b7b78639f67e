/** `scenario --shape` meets the Jetty-like origin's race over TLS: see shape-race.ts. */
import { describeShapeRace } from './shape-race.js';

describeShapeRace('tls');
