/**
 * Our SETTINGS waiting for the peer's ACK, oldest first, and the SETTINGS_TIMEOUT deadline of
 * §6.5.3: "If the sender of a SETTINGS frame does not receive an acknowledgment within a
 * reasonable amount of time, it MAY issue a connection error of type SETTINGS_TIMEOUT."
 *
 * Lifecycle: one per connection; `stop` (the connection's end) clears the timer.
 */
import type { LocalSettings } from './settings.js';

export class SettingsAck {
  private readonly unacked: LocalSettings[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number, private readonly onTimeout: () => void) {}

  sent(settings: LocalSettings): void {
    this.unacked.push(settings);
    this.timer ??= setTimeout(() => this.expire(), this.timeoutMs);
  }

  /** The peer's ACK: the settings it acknowledges, now in force; undefined for an ACK we never asked for. */
  acked(): LocalSettings | undefined {
    const settings = this.unacked.shift();
    clearTimeout(this.timer);
    this.timer = this.unacked.length > 0 ? setTimeout(() => this.expire(), this.timeoutMs) : undefined;
    return settings;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private expire(): void {
    this.timer = undefined;
    this.onTimeout();
  }
}
