import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { SqlBackend } from './backend.js';

export interface ClickHouseOptions {
  url: string;
  username?: string;
  password?: string;
  /** Per-request timeout (ms). */
  requestTimeoutMs?: number;
}

/**
 * A ClickHouse server (or cluster entry point) over HTTP with @clickhouse/client. The SQL is the same as the
 * embedded store's; settings go as URL parameters, which every server version accepts.
 */
export class ClickHouseBackend implements SqlBackend {
  readonly kind = 'clickhouse';
  private readonly client: ClickHouseClient;

  constructor(opts: ClickHouseOptions) {
    this.client = createClient({
      url: opts.url,
      username: opts.username ?? 'default',
      password: opts.password ?? '',
      request_timeout: opts.requestTimeoutMs ?? 30_000,
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
      log: { level: 127 as never }, // errors surface as rejections; the client's own logger stays quiet
    });
  }

  async command(sql: string): Promise<void> {
    await this.client.command({ query: sql });
  }

  async queryText(sql: string): Promise<string> {
    const r = await this.client.query({ query: sql, format: 'JSONEachRow' });
    return r.text();
  }

  async queryRows<T>(sql: string): Promise<T[]> {
    const r = await this.client.query({ query: sql, format: 'JSONEachRow' });
    return r.json<T>();
  }

  async insertJSONEachRow(table: string, payload: Buffer): Promise<void> {
    await this.client.command({ query: `INSERT INTO ${table} FORMAT JSONEachRow\n${payload.toString('utf8')}` });
  }

  async ping(): Promise<void> {
    const r = await this.client.ping();
    if (!r.success) throw r.error;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
