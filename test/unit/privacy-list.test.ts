/**
 * The README's privacy list is the stored record, field by field: every field written to IndexedDB is in the
 * README's table, and every field in the table is written. Every field of the record types is either stored or
 * explicitly not stored (checked by the type checker: a new field must be classified).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type NOT_STORED_OBSERVATION_FIELDS,
  NOT_STORED_OUTCOME_FIELDS,
  STORED_OBSERVATION_FIELDS,
  STORED_OUTCOME_FIELDS,
  toStoredObservation,
  toStoredOutcome,
} from '../../src/background/history';
import type { Observation, RequestOutcome } from '../../src/core/types';

const README = readFileSync(join(__dirname, '../../README.md'), 'utf8');

/** The README's record names for each stored record. */
const RECORDS = {
  request: 'outcome',
  'broken picture': 'broken-image',
  'redirect loop': 'redirect-loop',
  'active check': 'probe',
} as const;

/** `| record | `a`, `b` | what |` rows of the table in the "## Privacy" section. */
function readmeFields(): Map<string, string[]> {
  const start = README.indexOf('\n## Privacy\n');
  expect(start, 'README has a "## Privacy" section').toBeGreaterThan(0);
  const end = README.indexOf('\n## ', start + 5);
  const section = README.slice(start, end < 0 ? undefined : end);
  const out = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\s*\|\s*([a-z ]+?)\s*\|\s*((?:`\w+`(?:,\s*)?)+)\s*\|/.exec(line);
    if (!m) continue;
    const record = m[1]!;
    expect(Object.keys(RECORDS), `README privacy table: unknown record "${record}"`).toContain(record);
    const fields = [...m[2]!.matchAll(/`(\w+)`/g)].map((x) => x[1]!);
    out.set(record, [...(out.get(record) ?? []), ...fields]);
  }
  return out;
}

describe('README privacy list ≡ the stored record', () => {
  const listed = readmeFields();

  it('requests: the table lists exactly STORED_OUTCOME_FIELDS', () => {
    expect([...(listed.get('request') ?? [])].sort()).toEqual([...STORED_OUTCOME_FIELDS].sort());
  });

  for (const [record, kind] of Object.entries(RECORDS)) {
    if (kind === 'outcome') continue;
    it(`${record}: the table lists exactly the stored fields of '${kind}'`, () => {
      expect([...(listed.get(record) ?? [])].sort()).toEqual([...STORED_OBSERVATION_FIELDS[kind]].sort());
    });
  }

  it('no field is listed twice', () => {
    for (const [record, fields] of listed) expect(new Set(fields).size, record).toBe(fields.length);
  });

  it('every field of the record types is stored or explicitly not stored (type-checked)', () => {
    type OutcomeListed = (typeof STORED_OUTCOME_FIELDS)[number] | keyof typeof NOT_STORED_OUTCOME_FIELDS;
    expectTypeOf<Exclude<keyof RequestOutcome, OutcomeListed>>().toEqualTypeOf<never>();
    type Obs<K extends Observation['kind']> = Extract<Observation, { kind: K }>;
    type Unlisted<K extends Observation['kind']> = Exclude<
      keyof Obs<K>,
      (typeof STORED_OBSERVATION_FIELDS)[K][number] | keyof (typeof NOT_STORED_OBSERVATION_FIELDS)[K]
    >;
    expectTypeOf<Unlisted<'broken-image'>>().toEqualTypeOf<never>();
    expectTypeOf<Unlisted<'redirect-loop'>>().toEqualTypeOf<never>();
    expectTypeOf<Unlisted<'probe'>>().toEqualTypeOf<never>();
    // No field is both stored and not stored.
    for (const f of Object.keys(NOT_STORED_OUTCOME_FIELDS))
      expect(STORED_OUTCOME_FIELDS as readonly string[]).not.toContain(f);
  });

  it('what is written is exactly the listed fields (the projection the flush applies)', () => {
    const full: Required<Omit<RequestOutcome, 'initiator'>> & { initiator: string } = {
      t: 1,
      ms: 2,
      host: 'h',
      service: 'oss',
      path: '/',
      type: 'image',
      method: 'GET',
      status: 403,
      error: 'e',
      kind: 'http.4xx',
      phase: 'application',
      serverDate: 3,
      ids: { ossRequestId: 'r' },
      code: 'c',
      tabId: 4,
      initiator: 'i',
      keyTag: 'k',
      setCookies: ['a'],
      sentCookies: ['b'],
      redirectTo: 'x/y',
      fromCache: true,
      challenge: true,
      source: 'browser',
    };
    expect(Object.keys(toStoredOutcome(full)).sort()).toEqual([...(listed.get('request') ?? [])].sort());
    const img: Observation = {
      kind: 'broken-image',
      t: 1,
      host: 'h',
      service: null,
      path: '/',
      reason: 'error',
      count: 1,
      pageHost: 'p',
      status: 404,
      failure: 'http.4xx',
    };
    expect(Object.keys(toStoredObservation(img)).sort()).toEqual([...(listed.get('broken picture') ?? [])].sort());
  });
});
