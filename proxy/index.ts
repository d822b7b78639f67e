/** The proxy's public surface for the other parts of h2race. */
export { startProxy, type RunningProxy, type StartProxyOptions } from './start.js';
export type { ConnectionInfo, DownstreamWrapper, UpstreamWrapper } from './connection-wrapper.js';
export type { ProxyEvents, ProxyEventMap, StreamStartRecord, StreamEndRecord, StreamOutcome, GoawayRecord, UpstreamSessionRecord } from './events.js';
export { createLogger, silentLogger, type Logger } from './log.js';
export { loadOrCreateCertificate, generateSelfSigned, type Certificate } from './certs.js';
