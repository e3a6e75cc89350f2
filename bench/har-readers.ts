/**
 * One HAR reader, alone in this process, for bench/har-bench.ts: HAR file → outcomes (no diagnosis). Prints one
 * JSON row: the reader, its time from the first byte read to the outcomes, the process's peak RSS.
 *   tsx bench/har-readers.ts stream|streamparser|in-memory FILE
 */
import { createReadStream, readFileSync } from 'node:fs';
import { JSONParser } from '@streamparser/json';
import { CHUNK, nodeIo } from '../src/cli/io';
import { readHarFile } from '../src/cli/main';
import { serviceOf } from '../src/core/catalogue/match';
import { HarCollector } from '../src/core/har/read';
import { readHarInMemory } from '../test/corpus/in-memory';

const LABEL: Record<string, string> = {
  stream: 'faultline streaming reader (src/core/har/stream.ts)',
  streamparser: '@streamparser/json 0.0.26, paths `$.log.entries.*`, same conversion',
  'in-memory': 'in-memory: JSON.parse of the whole file + readHar (the previous CLI)',
};

async function read(reader: string, file: string): Promise<number> {
  if (reader === 'stream') {
    const r = await readHarFile(nodeIo(), file, serviceOf);
    return r.ok ? r.outcomes.length : -1;
  }
  if (reader === 'streamparser') {
    const collector = new HarCollector(serviceOf);
    const parser = new JSONParser({ paths: ['$.log.entries.*'], keepStack: false });
    parser.onValue = ({ value }) => collector.add(value);
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) parser.write(chunk as Buffer);
    return collector.finish('').outcomes.length;
  }
  if (reader === 'in-memory') {
    const r = readHarInMemory(readFileSync(file), serviceOf);
    return r.ok ? r.outcomes.length : -1;
  }
  throw new Error(`unknown reader ${reader}`);
}

const [reader = '', file = ''] = process.argv.slice(2);
const t0 = performance.now();
const outcomes = await read(reader, file);
const ms = performance.now() - t0;
console.log(JSON.stringify({ reader: LABEL[reader], ms, rssMB: process.resourceUsage().maxRSS / 1024, outcomes }));
