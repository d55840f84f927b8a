/**
 * The Node flags the server runs with. `npm start` and `./footfall start` give them on their command lines (a
 * test checks that those say the same); the tests and benchmarks start the server with this list.
 * - `--max-old-space-size`: the JavaScript heap's bound (`FOOTFALL_HEAP_MB`, default 512), checked at start.
 *
 * Tried and left out: `--single-threaded-gc` (README → Benchmarks, *Garbage collection on one thread*): less CPU
 * an event at a fixed rate, but no more events a second at full rate, and a higher memory worst case.
 */
export function serverNodeFlags(heapMb: number | string = 512): string[] {
  return [`--max-old-space-size=${heapMb}`];
}
