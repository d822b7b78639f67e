/** `scenario --shape` meets the Jetty-like origin's race over h2c: see shape-race.ts. */
import { describeShapeRace } from './shape-race.js';

describeShapeRace('h2c');
