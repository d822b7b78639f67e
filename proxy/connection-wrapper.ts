/**
 * The contract the engine path and links plug into the proxy with lives in faults/frames/, below
 * proxy/, which its implementations may not import. TODO #17: once the proxy/ rewrite under way
 * has landed, its importers name faults/frames/connection-wrapper.js and this line goes.
 */
export type * from '../faults/frames/connection-wrapper.js';
