// SGP4 with satellite.js (the JavaScript port of the same algorithm) over a
// TLE file and a time grid, as `orbitfl propagate --checksum` does:
//
//   node sgp4_satellitejs.mjs FILE START_ISO STOP_ISO STEP_S
//
// prints `states=N checksum=S seconds=T`, where S sums x+y+z (km, TEME) over
// every state and T is the time spent propagating (not parsing).
import { readFileSync } from 'node:fs';
import * as satellite from 'satellite.js';

const [file, startIso, stopIso, stepArg] = process.argv.slice(2);
if (!stepArg) {
  console.error('usage: node sgp4_satellitejs.mjs FILE START_ISO STOP_ISO STEP_S');
  process.exit(2);
}
const lines = readFileSync(file, 'utf8').split(/\r?\n/);
const satrecs = [];
for (let i = 0; i + 1 < lines.length; i++) {
  if (lines[i].startsWith('1 ') && lines[i + 1].startsWith('2 ')) {
    satrecs.push(satellite.twoline2satrec(lines[i], lines[i + 1]));
    i++;
  }
}
const jdOf = (iso) => Date.parse(iso) / 86400000 + 2440587.5;
const startJd = jdOf(startIso);
const spanS = (Date.parse(stopIso) - Date.parse(startIso)) / 1000;
const stepS = Number(stepArg);
const steps = Math.floor(spanS / stepS + 1e-9);

let states = 0;
let checksum = 0;
const t0 = process.hrtime.bigint();
for (const rec of satrecs) {
  const offsetMin = (startJd - rec.jdsatepoch) * 1440;
  for (let k = 0; k <= steps; k++) {
    const pv = satellite.sgp4(rec, offsetMin + (k * stepS) / 60);
    if (!pv || !pv.position) continue;
    checksum += pv.position.x + pv.position.y + pv.position.z;
    states++;
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`states=${states} checksum=${checksum.toFixed(6)} seconds=${seconds.toFixed(4)}`);
