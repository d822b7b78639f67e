/**
 * What the engine writes to and reads from: a byte stream it does not own the details of. A
 * socket adapter (socket-transport.ts) implements it for the standalone engine; h2race's link
 * implements it to put toxics between the engine and the socket.
 *
 * Writability: the engine counts the bytes of writes whose `done` has not fired and stops framing
 * DATA above its budget; each `done` makes room. A transport with a bottleneck queue of its own
 * (h2race's link) also says how much more it takes (`room`) and when it took some out (`onRoom`),
 * so DATA not framed yet waits in the streams' queues, where a reset drops it.
 */
export interface Transport {
  /** Starts delivering inbound bytes and the transport's end to `sink`; called once. */
  start(sink: TransportSink): void;
  /**
   * Queues bytes. Writes complete in order; `done`, when given, fires exactly once, when the
   * transport no longer reads these bytes nor any written before them (written or dropped).
   */
  write(bytes: Buffer, done?: (err?: Error | null) => void): void;
  /** Writes between cork and uncork go out together (one writev, shared TLS records). */
  cork(): void;
  uncork(): void;
  /** Closes cleanly once everything written so far is out (FIN, TLS close_notify). */
  end(): void;
  /** Closes now; pending writes' `done` fire with an error. */
  destroy(err?: Error): void;
  /** Bytes the transport takes before it holds the writer's DATA; absent: no hold but the budget. */
  room?(): number;
  /** `wake` runs each time room came back after the transport held; called once, by the writer. */
  onRoom?(wake: () => void): void;
}

export interface TransportSink {
  onData(chunk: Buffer): void;
  /** The peer closed its side: no more data will come. */
  onEnd(): void;
  /** The transport is gone; called once, after every pending write's `done`. */
  onClose(err?: Error): void;
}
