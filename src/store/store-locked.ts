/**
 * Thrown when another process (usually the running server) holds the data directory. In a module of its own, so
 * that the CLI can recognise it without loading the embedded engine (≈ 160 MB of memory as soon as it is imported).
 */
export class StoreLockedError extends Error {}
