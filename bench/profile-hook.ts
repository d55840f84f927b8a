/**
 * Loaded into the server with `node --import dist/bench/profile-hook.js` by bench/ingest-profile: SIGUSR2 starts the
 * V8 CPU profiler of the main thread, the next SIGUSR2 stops it and writes the profile to PROFILE_OUT. So a
 * profile covers exactly the measured load, not the start-up or the warm-up. Never loaded by the server itself.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';

const out = process.env.PROFILE_OUT ?? 'footfall.cpuprofile';
const session = new Session();
session.connect();
let running = false;
process.on('SIGUSR2', () => {
  void (async () => {
    if (!running) {
      running = true;
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 250 });
      await session.post('Profiler.start');
      return;
    }
    running = false;
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(out, JSON.stringify(profile));
  })();
});
