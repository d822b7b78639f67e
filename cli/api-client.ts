/**
 * toxiproxy-node-client for `h2race proxies` / `h2race toxic`, saying what the API said. The
 * client's own HttpClient keeps only "Request failed with status code 409" and drops the body,
 * where Toxiproxy (and h2race's API) put the reason: `{"error":"proxy already exists","status":409}`.
 * The client's Proxy and Toxic objects all call through `toxiproxy.api`, so this HTTP client
 * stands in there and fails with `proxy already exists (HTTP 409)`, or names an API it cannot reach.
 */
import { Toxiproxy } from 'toxiproxy-node-client';

/** A request the API refused, with its own message, or one that never reached it. */
export class ApiRequestError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** The public surface of the client's HttpClient (its class has private members, so no subclass). */
class ExplainingHttpClient {
  get<T>(url: string): Promise<{ data: T }> {
    return this.request('GET', url);
  }

  post<T>(url: string, body?: unknown): Promise<{ data: T }> {
    return this.request('POST', url, body);
  }

  async delete(url: string): Promise<void> {
    await this.request('DELETE', url);
  }

  async getText(url: string): Promise<string> {
    return (await this.fetch(url, { method: 'GET' })).text();
  }

  private async request<T>(method: string, url: string, body?: unknown): Promise<{ data: T }> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const text = await (await this.fetch(url, init)).text();
    if (text.length === 0) return { data: undefined as T };
    try {
      return { data: JSON.parse(text) as T };
    } catch {
      throw new ApiRequestError(`${method} ${url}: the answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (err) {
      const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
      throw new ApiRequestError(`cannot reach the Toxiproxy API at ${new URL(url).origin} (${cause?.code ?? cause?.message ?? (err as Error).message})`);
    }
    if (!res.ok) throw new ApiRequestError(`${apiMessage(await res.text()) ?? res.statusText} (HTTP ${res.status})`, res.status);
    return res;
  }
}

/** The `error` field of Toxiproxy's error body, when the body is one. */
function apiMessage(body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error;
    return typeof error === 'string' && error !== '' ? error : undefined;
  } catch {
    return undefined;
  }
}

export function toxiproxyClient(host: string): Toxiproxy {
  const client = new Toxiproxy(host.replace(/\/+$/, ''));
  client.api = new ExplainingHttpClient() as unknown as Toxiproxy['api'];
  return client;
}
