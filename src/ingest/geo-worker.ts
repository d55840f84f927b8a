import { parentPort } from 'node:worker_threads';
import { buildCityData } from './geo.js';

/** Worker thread: builds the GeoNames city index and hands its arrays over (the typed arrays are moved, not copied). */
const d = buildCityData();
parentPort!.postMessage(d, [d.ids.buffer, d.lat.buffer, d.lon.buffer, d.pop.buffer] as ArrayBuffer[]);
