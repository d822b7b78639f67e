/**
 * The kinds of traffic a run sends, each on or off (`--traffic`), each seeded from the viewer's
 * own random stream. Beyond the viewer's video, SSE and small requests, each kind provokes one
 * class of the catalogue's bugs (README, "The catalogue"):
 *
 *   cancelled-downloads  seeks: a range in flight reset with RST_STREAM(CANCEL) (pool release, window leak)
 *   cancelled-uploads    uploads to a slow consumer, half of them reset mid-body, half completed and
 *                        checked byte for byte (window leak on the receiving side: bystander uploads stall)
 *   bursts               at each connection's start, more requests than SETTINGS_MAX_CONCURRENT_STREAMS
 *                        allows, before the server's SETTINGS arrive, each with a new header value
 *                        (refusals; HPACK desync when a refused block is dropped)
 *   trailers             small uploads whose request trailers come back as response trailers
 *   header-sets          requests with varied and repeated header sets, echoed back and compared
 */
export const TRAFFIC_KINDS = ['cancelled-downloads', 'cancelled-uploads', 'bursts', 'trailers', 'header-sets'] as const;
export type TrafficKind = (typeof TRAFFIC_KINDS)[number];

/** What a run sends unless told: the viewer's own traffic with its seeks. */
export const DEFAULT_TRAFFIC: readonly TrafficKind[] = ['cancelled-downloads'];

/** `--traffic all`: every kind. */
export const ALL_TRAFFIC = 'all';

/** The kinds named by `--traffic` values ('all' among them means every kind). */
export function trafficKinds(values: readonly string[]): TrafficKind[] {
  if (values.includes(ALL_TRAFFIC)) return [...TRAFFIC_KINDS];
  return TRAFFIC_KINDS.filter((k) => values.includes(k));
}
