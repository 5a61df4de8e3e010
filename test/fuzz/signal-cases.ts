/*
 * Signal fuzz cases: EDF/EDF+ (every field of the 256-byte header and of each signal's block),
 * WAV read as a signal (every numeric field of the RIFF and fmt headers, the data size), CSV/TSV
 * (rows against the header, the time column, runs) and JSON signals (the sample rate, channels
 * that disagree, runs), each derived from a small valid file, and signals really over
 * LIMIT_SIGNAL_VALUES.
 */
import {
  edfFile,
  edfHeaderFields,
  WAV_NUMERIC_FIELDS,
  wavFile,
  withBinaryField,
  withTextField,
  type HeaderField,
} from '../../libs/adapters/src/codecs/signal/test-files';
import { fixture } from '../fixtures';
import {
  cutsAt,
  EDGE_NUMBERS,
  FUZZ_LIMITS,
  MEGABYTE,
  overLimit,
  UNPROCESSABLE,
  type FuzzCase,
  type FuzzExpectation,
} from './fuzz-case';

const SIGNAL_VALUES_OVER = FUZZ_LIMITS.signalValues + 1;

/** Two signals (4 and 2 samples a record) over 8 records, and an EDF+ annotation channel. */
function validEdf(edfPlus: boolean): Buffer {
  const signals = [
    {
      label: 'EEG Fpz-Cz',
      unit: 'uV',
      samplesPerRecord: 4,
      digital: Array.from({ length: 32 }, (_v, i) => i * 100),
    },
    {
      label: 'Resp',
      unit: 'mV',
      samplesPerRecord: 2,
      digital: Array.from({ length: 16 }, (_v, i) => -i * 50),
    },
    ...(edfPlus ? [{ label: 'EDF Annotations', samplesPerRecord: 8 }] : []),
  ];
  return edfFile({ signals, records: 8, recordDurationS: 0.5, edfPlus });
}

/** The values each EDF field is set to: the integer edges, just over the limit, and text a number reader may trip on. */
const EDF_VALUES = [
  ...EDGE_NUMBERS.map(({ label, value }) => ({ label, text: String(value) })),
  { label: 'limit+1', text: String(SIGNAL_VALUES_OVER) },
  { label: '99999999 (the most 8 digits hold)', text: '99999999' },
  { label: '1e308', text: '1e308' },
  { label: 'blank', text: '' },
  { label: 'NaN', text: 'NaN' },
];

/** Fields whose numbers say how much data there is: a huge one over a few hundred bytes cannot be true. */
const EDF_COUNT_FIELDS = /^(data records|samples per record of signal \d+)$/;

function edfFieldCases(label: string, edf: Buffer, signals: number): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const field of edfHeaderFields(signals)) {
    const values = field.numeric
      ? EDF_VALUES
      : [
          { label: 'blank', text: '' },
          { label: '8 bytes of 0xff', text: '\xff'.repeat(8) },
        ];
    for (const { label: valueLabel, text } of values) {
      const huge =
        /^(2\^31-1|2\^32-1|2\^63-1|limit\+1|99999999)/.test(valueLabel) && text.length <= field.width;
      const written = text.length > field.width ? ` (cut to "${text.slice(0, field.width)}")` : '';
      cases.push({
        name: `${label} ${field.name}=${valueLabel}${written}`,
        bytes: withTextField(edf, field, text),
        filename: 'record.edf',
        // The 8-byte fields cannot hold 2^63-1: it is cut to its first 8 digits, still huge.
        expect:
          EDF_COUNT_FIELDS.test(field.name) && (huge || /^2\^63/.test(valueLabel)) ? '4xx' : 'ok-or-4xx',
      });
    }
  }
  return cases;
}

/** The EDF cut at the end of every header field, and inside the first and the last data record. */
function edfTruncations(label: string, edf: Buffer, signals: number): FuzzCase[] {
  const ends = edfHeaderFields(signals).flatMap((field: HeaderField) => [
    { at: field.offset + field.width, what: `after ${field.name}` },
  ]);
  const header = 256 * (signals + 1);
  ends.push(
    { at: header + 1, what: 'inside the first record' },
    { at: edf.length - 1, what: 'one byte short' },
  );
  // Cut inside the fixed 256 bytes, what is left is a line of ASCII: text, whatever its name.
  return [
    ...cutsAt(
      label,
      edf,
      ends.filter(({ at }) => at < 256),
      'ok-or-4xx',
    ),
    ...cutsAt(
      label,
      edf,
      ends.filter(({ at }) => at >= 256),
      UNPROCESSABLE,
    ),
  ].map((c) => ({ ...c, filename: 'record.edf' }));
}

/** Declared records against the bytes, both ways, and the header size against the signal count. */
function edfDisagreements(edf: Buffer, signals: number): FuzzCase[] {
  const field = (name: string) => edfHeaderFields(signals).find((f) => f.name === name)!;
  return [
    {
      name: 'EDF records=9 over 8 records of bytes',
      bytes: withTextField(edf, field('data records'), '9'),
      expect: UNPROCESSABLE,
    },
    {
      name: 'EDF records=7 over 8 records of bytes',
      bytes: withTextField(edf, field('data records'), '7'),
      expect: 'ok-or-4xx',
    },
    {
      name: 'EDF records=-1 (from the file size)',
      bytes: withTextField(edf, field('data records'), '-1'),
      expect: 'ok',
    },
    {
      name: 'EDF header bytes for one signal more',
      bytes: withTextField(edf, field('header bytes'), String(256 * (signals + 2))),
      expect: 'ok-or-4xx',
    },
    {
      name: 'EDF number of signals one more than the header holds',
      bytes: withTextField(edf, field('number of signals'), String(signals + 1)),
      expect: 'ok-or-4xx',
    },
    {
      name: 'EDF 8 records of bytes plus half a record',
      bytes: Buffer.concat([edf, Buffer.alloc(6)]),
      expect: 'ok-or-4xx',
    },
  ].map((c) => ({ ...c, filename: 'record.edf' }) as FuzzCase);
}

/** A 16-bit mono WAV of 64 samples at 100 Hz, read as a signal. */
function validWav(): Buffer {
  const data = Buffer.alloc(128);
  for (let i = 0; i < 64; i++) data.writeInt16LE(Math.round(1000 * Math.sin(i / 4)), 2 * i);
  return wavFile({ formatTag: 1, channels: 1, sampleRateHz: 100, bitsPerSample: 16, data });
}

function wavFieldCases(wav: Buffer): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const field of WAV_NUMERIC_FIELDS) {
    const max = field.width === 2 ? 0xffff : 0xffffffff;
    const values = [
      { label: '0', value: 0 },
      { label: '1', value: 1 },
      { label: '-1', value: max },
      { label: field.width === 2 ? '2^15-1' : '2^31-1', value: field.width === 2 ? 0x7fff : 0x7fffffff },
    ];
    for (const { label, value } of values) {
      cases.push({
        name: `WAV signal ${field.name}=${label}`,
        bytes: withBinaryField(wav, field, value),
        filename: 'signal.wav',
        modality: 'signal',
        expect: 'ok-or-4xx',
      });
    }
  }
  const dataSize = WAV_NUMERIC_FIELDS.find((f) => f.name === 'data size')!;
  cases.push(
    {
      name: 'WAV signal data size > bytes',
      bytes: withBinaryField(wav, dataSize, 4096),
      filename: 'signal.wav',
      modality: 'signal',
      expect: 'ok-or-4xx',
    },
    {
      name: 'WAV signal data size < bytes',
      bytes: withBinaryField(wav, dataSize, 64),
      filename: 'signal.wav',
      modality: 'signal',
      expect: 'ok',
    },
    ...cutsAt(
      'WAV signal',
      wav,
      [
        { at: 4, what: 'after RIFF' },
        { at: 8, what: 'after the RIFF size' },
        { at: 12, what: 'after WAVE' },
        { at: 20, what: 'after the fmt chunk header' },
        { at: 28, what: 'inside fmt' },
        { at: 36, what: 'after fmt' },
        { at: 44, what: 'after the data chunk header' },
        { at: 45, what: 'half a sample' },
      ],
      'ok-or-4xx',
    ).map((c) => ({ ...c, filename: 'signal.wav', modality: 'signal' })),
  );
  return cases;
}

/** Text signals: a time column and two channels. */
const CSV = [
  'time_s,ECG_mV,Resp_mV',
  ...Array.from({ length: 50 }, (_v, i) => `${i / 100},${Math.sin(i)},${i % 3}`),
];

function textSignalCases(): FuzzCase[] {
  const csv = (
    name: string,
    lines: string[] | string,
    expect: FuzzExpectation,
    delimiter = ',',
  ): FuzzCase => {
    const text = typeof lines === 'string' ? lines : lines.join('\n');
    return {
      name: `${delimiter === '\t' ? 'TSV' : 'CSV'} ${name}`,
      bytes: Buffer.from(delimiter === ',' ? text : text.replaceAll(',', delimiter)),
      filename: delimiter === '\t' ? 'signal.tsv' : 'signal.csv',
      expect,
    };
  };
  const rows = CSV.slice(1);
  const header = CSV[0];
  const cases: FuzzCase[] = [];
  for (const delimiter of [',', '\t']) {
    cases.push(
      csv('valid', CSV, 'ok', delimiter),
      csv(
        'a row with one column more',
        [header, ...rows.slice(0, 5), `${rows[5]},9`, ...rows.slice(6)],
        'ok-or-4xx',
        delimiter,
      ),
      csv(
        'a row with one column less',
        [header, ...rows.slice(0, 5), '0.05,1', ...rows.slice(6)],
        'ok-or-4xx',
        delimiter,
      ),
      csv('a header of 4 names over 3 columns', [`${header},extra`, ...rows], 'ok-or-4xx', delimiter),
      csv(
        'a time column that stands still',
        [header, ...rows.map((r) => r.replace(/^[^,]+/, '0'))],
        'ok-or-4xx',
        delimiter,
      ),
      csv(
        'a time column that goes back',
        [header, ...rows.map((r, i) => r.replace(/^[^,]+/, String(-i)))],
        'ok-or-4xx',
        delimiter,
      ),
      csv(
        'time steps of 1e-300',
        [header, ...rows.map((r, i) => r.replace(/^[^,]+/, `${i}e-300`))],
        'ok-or-4xx',
        delimiter,
      ),
      csv(
        '1 MB of spaces inside a cell',
        [header, rows[0].replace(',', `${' '.repeat(MEGABYTE)},`), ...rows.slice(1)],
        'ok-or-4xx',
        delimiter,
      ),
      csv(
        '1 MB of blank lines between rows',
        [header, rows[0], '\n'.repeat(MEGABYTE), ...rows.slice(1)],
        'ok-or-4xx',
        delimiter,
      ),
      csv(
        '1 MB of carriage returns between rows',
        [header, rows[0], '\r'.repeat(MEGABYTE), ...rows.slice(1)],
        'ok-or-4xx',
        delimiter,
      ),
      csv(
        'a header of 1 MB of column names',
        [`${header}${',c'.repeat(MEGABYTE / 2)}`, ...rows],
        'ok-or-4xx',
        delimiter,
      ),
      csv('a row of 1 MB of empty cells', [header, ','.repeat(MEGABYTE), ...rows], 'ok-or-4xx', delimiter),
      csv(
        'a number of 1 MB of digits',
        [header, `0,${'9'.repeat(MEGABYTE)},1`, ...rows],
        'ok-or-4xx',
        delimiter,
      ),
      csv(
        'a row repeated to 1 MB',
        [header, ...Array.from({ length: MEGABYTE / 12 }, () => '0.01,1.5,2')],
        'ok-or-4xx',
        delimiter,
      ),
      csv('1 MB of # comment lines', [header, `#${'c'.repeat(MEGABYTE)}`, ...rows], 'ok-or-4xx', delimiter),
      csv(
        'an open quote over 1 MB',
        [header, `0,"${'1,'.repeat(MEGABYTE / 2)}`, ...rows],
        'ok-or-4xx',
        delimiter,
      ),
    );
  }
  const ends: { at: number; what: string }[] = [];
  let at = 0;
  for (const [i, line] of CSV.slice(0, 4).entries()) {
    at += line.length;
    ends.push(
      { at: at - Math.floor(line.length / 2), what: `inside line ${i + 1}` },
      { at, what: `end of line ${i + 1}` },
    );
    at += 1;
  }
  cases.push(
    ...cutsAt('CSV', Buffer.from(CSV.join('\n')), ends, 'ok-or-4xx').map((c) => ({
      ...c,
      filename: 'signal.csv',
    })),
  );
  return cases;
}

function jsonSignalCases(): FuzzCase[] {
  const values = Array.from({ length: 40 }, (_v, i) => Math.round(100 * Math.sin(i)) / 100);
  const signal = (
    sampleRateHz: unknown,
    channels: unknown = [
      { name: 'a', values },
      { name: 'b', values },
    ],
  ) => JSON.stringify({ sampleRateHz, channels });
  const json = (name: string, text: string, expect: FuzzExpectation): FuzzCase => ({
    name: `JSON signal ${name}`,
    bytes: Buffer.from(text),
    filename: 'signal.json',
    expect,
  });
  const members = signal(100).slice(1);
  const cases: FuzzCase[] = [json('valid', signal(100), 'ok')];
  for (const { label, value } of EDGE_NUMBERS) {
    cases.push(json(`sampleRateHz=${label}`, signal(100).replace('100', String(value)), 'ok-or-4xx'));
  }
  cases.push(
    json('sampleRateHz=1e308', signal(100).replace('100', '1e308'), 'ok-or-4xx'),
    json('sampleRateHz="100"', signal('100'), 'ok-or-4xx'),
    json(
      'channels of 40 and 3 values',
      signal(100, [{ values }, { values: values.slice(0, 3) }]),
      'ok-or-4xx',
    ),
    json('channels=[]', signal(100, []), 'ok-or-4xx'),
    json('a channel without values', signal(100, [{ name: 'a' }]), 'ok-or-4xx'),
    json(
      '1 MB of spaces between two values',
      signal(100).replace(',', `,${' '.repeat(MEGABYTE)}`),
      'ok-or-4xx',
    ),
    json(
      '1 MB of line breaks between two values',
      signal(100).replace(',', `,${'\n'.repeat(MEGABYTE)}`),
      'ok-or-4xx',
    ),
    json(
      'a value repeated to 1 MB',
      signal(100, [{ values: Array.from({ length: MEGABYTE / 2 }, () => 1) }]),
      'ok-or-4xx',
    ),
    json(
      'values nested a million deep',
      `{"sampleRateHz": 1, "channels": [{"values": ${'['.repeat(MEGABYTE)}`,
      'ok-or-4xx',
    ),
    json(
      'an unknown key holding 1 MB of nesting',
      `{"x": ${'['.repeat(MEGABYTE / 2)}${']'.repeat(MEGABYTE / 2)}, ${members}`,
      'ok-or-4xx',
    ),
    json('a number of 1 MB of digits', signal(100).replace('100', '9'.repeat(MEGABYTE)), 'ok-or-4xx'),
    json('a bare array of 1 MB of values', `[${'0,'.repeat(MEGABYTE / 2)}0]`, 'ok-or-4xx'),
    {
      // Detection reads 64 KiB of it (`channelsIncomplete`); the decoder stops at MAX_SIGNAL_CHANNELS.
      ...json(
        '70000 one-value channels',
        signal(
          100,
          Array.from({ length: 70_000 }, () => ({ values: [1] })),
        ),
        'ok',
      ),
      inferExpect: UNPROCESSABLE,
    },
  );
  const text = signal(100);
  const ends = [...text.matchAll(/[:,[\]{}]/g)]
    .slice(0, 12)
    .map((m) => ({ at: m.index + 1, what: `after ${m[0]}` }));
  cases.push(
    ...cutsAt('JSON signal', Buffer.from(text), ends, 'ok-or-4xx').map((c) => ({
      ...c,
      filename: 'signal.json',
    })),
  );
  return cases;
}

/** Signals of LIMIT_SIGNAL_VALUES and one value more, all their bytes present, in each format. */
export function overLimitSignals(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const limit = FUZZ_LIMITS.signalValues;
  for (const count of [limit, limit + 1]) {
    const over = count > limit;
    const expect: FuzzExpectation = over ? overLimit('signalValues') : 'ok';
    const named = (format: string) => `${format} of ${count} values (LIMIT_SIGNAL_VALUES=${limit})`;
    // EDF: one signal, records of 1000 samples (and one record of 1001 for the odd count).
    const perRecord = count % 1000 === 0 ? 1000 : 1001;
    cases.push({
      name: named('EDF'),
      bytes: edfFile({
        signals: [{ label: 'x', samplesPerRecord: perRecord }],
        records: Math.floor(count / perRecord),
      }),
      filename: 'record.edf',
      expect: Math.floor(count / perRecord) * perRecord > limit ? overLimit('signalValues') : 'ok',
    });
    cases.push({
      name: named('WAV signal'),
      bytes: wavFile({
        formatTag: 1,
        channels: 1,
        sampleRateHz: 1000,
        bitsPerSample: 8,
        data: Buffer.alloc(count, 128),
      }),
      filename: 'signal.wav',
      modality: 'signal',
      expect,
    });
    // CSV has no header count: detection estimates from its sample; the decoder counts.
    cases.push({
      name: named('CSV'),
      bytes: Buffer.from(`v\n${'1\n'.repeat(count)}`),
      filename: 'signal.csv',
      expect: 'ok-or-4xx',
      inferExpect: expect,
    });
  }
  return cases;
}

/** Every signal case, grouped by the valid file it comes from. */
export function signalCaseGroups(): { base: string; cases: FuzzCase[] }[] {
  const edf = validEdf(false);
  const edfPlus = validEdf(true);
  const wav = validWav();
  const fixtureEdf = fixture('signal/edf-test-generator.edf');
  const fixtureSignals = Number(fixtureEdf.toString('latin1', 252, 256).trim());
  return [
    {
      base: 'EDF (2 signals, 8 records)',
      cases: [
        { name: 'EDF valid', bytes: edf, filename: 'record.edf', expect: 'ok' },
        ...edfFieldCases('EDF', edf, 2),
        ...edfTruncations('EDF', edf, 2),
        ...edfDisagreements(edf, 2),
      ],
    },
    {
      base: 'EDF+C with annotations',
      cases: [
        { name: 'EDF+ valid', bytes: edfPlus, filename: 'record.edf', expect: 'ok' },
        ...edfFieldCases('EDF+', edfPlus, 3).filter((c) =>
          / of signal 3=|reserved=|data records=/.test(c.name),
        ),
      ],
    },
    {
      base: 'edf-test-generator.edf',
      cases: edfTruncations('EDF fixture', fixtureEdf, fixtureSignals).filter(
        (c) => !/signal ([2-9]|1\d)\)/.test(c.name),
      ),
    },
    {
      base: 'WAV as signal',
      cases: [
        { name: 'WAV signal valid', bytes: wav, filename: 'signal.wav', modality: 'signal', expect: 'ok' },
        ...wavFieldCases(wav),
      ],
    },
    { base: 'CSV/TSV', cases: textSignalCases() },
    { base: 'JSON signal', cases: jsonSignalCases() },
  ];
}
