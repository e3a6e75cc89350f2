/**
 * `npm run sim`: the simulator alone, on PORT (default 8443), HTTP and HTTPS on the same port.
 * Point a Chromium at it with the printed flags; switch modes with
 *   curl -X POST http://127.0.0.1:$PORT/__sim/mode -d '{"mode":"ak-outage"}'
 */
import { simArgs } from './browser';
import { MODES, startSim, type SimMode } from './server';

const port = Number(process.env.PORT ?? 8443);
const mode = (process.env.SIM_MODE ?? 'healthy') as SimMode;
const sim = await startSim({ port, mode });
console.log(`Faultline simulator on 127.0.0.1:${sim.port} — mode ${mode}`);
console.log(`modes: ${MODES.join(', ')}`);
console.log(
  `switch: curl -X POST ${sim.controlUrl}/mode -d '{"mode":"ak-outage"}'   state: curl ${sim.controlUrl}/state`,
);
console.log('Chromium flags:');
for (const a of simArgs(sim)) console.log(`  '${a}'`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
