/**
 * What becomes of connection-window bytes of a stream that is gone: the DATA it had received and
 * nobody consumed when it was reset, and the DATA that still arrives for it once it is closed.
 *
 * RFC 9113 §6.9 (and §5.1, "closed"): every DATA frame counts against the connection window,
 * whatever becomes of its stream, so those bytes must be credited back or the peer's view of the
 * window shrinks for good. `window-credit-on-reset` does that (the engine's behaviour);
 * `window-leak-on-reset` is the bug model of netty/netty#7040, dart-lang/http#1374,
 * apache/pekko-http#1259, hyperium/h2#32: the bytes are dropped uncredited, the peer's connection
 * send window drains with every cancel, and at 0 every stream on the connection stalls silently.
 */
export interface ResetDataCredit {
  readonly name: 'window-credit-on-reset' | 'window-leak-on-reset';
  /** Of `n` bytes of a reset or closed stream, how many go back to the connection window. */
  credited(n: number): number;
}

export const CREDIT_ON_RESET: ResetDataCredit = { name: 'window-credit-on-reset', credited: (n) => n };

export const LEAK_ON_RESET: ResetDataCredit = { name: 'window-leak-on-reset', credited: () => 0 };
