/**
 * Loaded into the server with `node --import dist/bench/profile-hook.js` by bench/ingest-profile: SIGUSR2 starts the
 * V8 CPU profiler of the main thread, the next SIGUSR2 stops it and writes the profile to PROFILE_OUT. So a
 * profile covers exactly the measured load, not the start-up or the warm-up. Never loaded by the server itself.
 *
 * Worker threads load this hook too (Node passes `--import` on to them). Signals reach the main thread only, so it
 * passes each start and stop on over a BroadcastChannel; a worker writes its profile to PROFILE_OUT with
 * `.thread-<id>` added. bench/ingest-profile reads the ingest worker's (the one that profiled busiest).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

const out = process.env.PROFILE_OUT ?? 'footfall.cpuprofile';
const session = new Session();
session.connect();
let running = false;
const channel = new BroadcastChannel('footfall-profile-hook');
channel.unref();

async function toggle(file: string): Promise<void> {
  if (!running) {
    running = true;
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
    return;
  }
  running = false;
  const { profile } = await session.post('Profiler.stop');
  fs.writeFileSync(file, JSON.stringify(profile));
}

if (isMainThread) {
  process.on('SIGUSR2', () => {
    channel.postMessage('toggle');
    void toggle(out);
  });
} else {
  channel.onmessage = () => void toggle(`${out}.thread-${threadId}`);
}
