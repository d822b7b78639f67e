/**
 * Why an upstream attempt failed, and the status a client gets for it when no response headers
 * were sent yet: timeouts → 504, a full request queue → 503, everything else the origin did or
 * failed to do → 502.
 */
export type UpstreamFailure =
  | 'connect-refused'
  | 'connect-failed'
  | 'connect-timeout'
  | 'tls'
  | 'response-timeout'
  | 'protocol'
  | 'stream-reset'
  | 'connection-lost'
  | 'queue-full';

export class UpstreamError extends Error {
  constructor(readonly failure: UpstreamFailure, message: string, readonly cause?: unknown) {
    super(message);
    this.name = 'UpstreamError';
  }

  get status(): number {
    if (this.failure === 'connect-timeout' || this.failure === 'response-timeout') return 504;
    if (this.failure === 'queue-full') return 503;
    return 502;
  }
}

/** An https:// origin that negotiated HTTP/1.1 (or nothing) instead of h2. */
export class OriginNotH2Error extends Error {
  constructor(readonly alpn: string | false) {
    super(`origin did not offer h2 (ALPN ${alpn === false ? 'none' : alpn})`);
    this.name = 'OriginNotH2Error';
  }
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

/** Classifies an error raised while connecting to the origin. */
export function connectError(err: unknown, origin: URL): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const where = origin.host;
  if (code === 'ECONNREFUSED') return new UpstreamError('connect-refused', `origin ${where} refused the connection`, err);
  if (TLS_CODES.test(code) || /ssl|tls|certificate/i.test((err as Error)?.message ?? '')) {
    return new UpstreamError('tls', `TLS with origin ${where} failed: ${code || (err as Error).message}`, err);
  }
  return new UpstreamError('connect-failed', `cannot connect to origin ${where}: ${code || (err as Error)?.message}`, err);
}

/**
 * An extended CONNECT (RFC 8441: a WebSocket) for an HTTP/2 origin whose SETTINGS did not enable
 * it (SETTINGS_ENABLE_CONNECT_PROTOCOL): the origin cannot take the tunnel, which h2race cannot
 * make up for, so the client gets 501 Not Implemented rather than a 502 blaming a broken origin.
 */
export class NoConnectProtocolError extends UpstreamError {
  constructor(message: string) {
    super('protocol', message);
    this.name = 'NoConnectProtocolError';
  }

  override get status(): number {
    return 501;
  }
}
