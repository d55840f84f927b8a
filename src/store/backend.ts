/**
 * What a storage engine must do for Footfall: run ClickHouse SQL. Everything above this
 * (schema, migrations, sites, export) is the same SQL for every engine.
 */
export interface SqlBackend {
  /** Short name for logs and health: "chdb" or "clickhouse". */
  readonly kind: string;
  /** Run a statement that returns nothing (DDL, INSERT ... VALUES). */
  command(sql: string): Promise<void>;
  /** Run a SELECT and return its rows (the backend adds `FORMAT JSONEachRow`). */
  queryRows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Run a SELECT and return its result as JSONEachRow text (one JSON object per line; 64-bit integers quoted). */
  queryText(sql: string): Promise<string>;
  /** Insert a JSONEachRow payload (rows separated by "\n") into a table. */
  insertJSONEachRow(table: string, payload: Buffer): Promise<void>;
  /** Cheap round trip; throws when the engine is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Errors that mean "the ClickHouse server is not there (yet)", as opposed to a wrong setting. */
export function unreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'ENOTFOUND'].includes(code)) return true;
  const msg = err instanceof Error ? err.message : String(err);
  return /timeout|socket hang up|ECONNREFUSED|ECONNRESET/i.test(msg);
}

/**
 * Failures the store may recover from by itself: unreachable, out of disk or memory, too busy. A write that fails
 * otherwise may be refused for its rows (a row the store can never take).
 */
export function transient(err: unknown): boolean {
  if (unreachable(err)) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'ENOMEM' || code === 'FOOTFALL_INSERT_LOST') return true;
  const msg = err instanceof Error ? err.message : String(err);
  return memoryError(err) || /no space left|ENOSPC|NOT_ENOUGH_SPACE|cannot reserve|too many parts|TOO_MANY_PARTS|TOO_MANY_SIMULTANEOUS|timeout|timed out|store is closed|readonly|READONLY/i.test(msg);
}

/** The engine refused a statement for memory (its own bound, or the server's). */
export function memoryError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /MEMORY_LIMIT_EXCEEDED|memory limit|Cannot allocate memory/i.test(msg);
}

/**
 * The store cannot serve a read now for want of a resource (memory) although the read is well formed: the HTTP
 * layer answers 503 with Retry-After, never 500.
 */
export class EngineBusyError extends Error {
  readonly retryAfterSeconds = 5;
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/**
 * Runs `fn` until it succeeds. A failure that `retryable` accepts is reported to `onRetry` and retried after
 * `delayMs(attempt)`; any other failure is thrown.
 */
export async function retrying<T>(
  fn: () => Promise<T>,
  retryable: (err: unknown) => boolean,
  onRetry: (err: unknown, attempt: number, waitMs: number) => void,
  delayMs: (attempt: number) => number,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!retryable(err)) throw err;
      const waitMs = delayMs(attempt);
      onRetry(err, attempt, waitMs);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

/** The engine refused a statement for its size or depth (`max_query_size`, `max_ast_elements`, `max_ast_depth`). */
export function oversizeError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /Max query size exceeded|TOO_BIG_AST|TOO_DEEP_AST|AST is too (big|deep)|TOO_DEEP_RECURSION|Maximum parse depth/i.test(msg);
}
