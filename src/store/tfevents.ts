// TensorBoard event files: TFRecord framing around `tensorboard.Event` protos. Read for scalars
// and logged attrs; written for output scalars/attrs exactly as Guild's SummaryWriter does.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type * as Protobuf from 'protobufjs';
import { lazyRequire } from './lazy-require.js';
import { maskedCrc32c } from './crc32c.js';

export interface TfValue {
  tag: string;
  value?: number;
  text?: string;
}

export interface TfEvent {
  wallTime: number; // seconds
  step: number;
  values: TfValue[];
}

// The subset of tensorboard's event.proto, summary.proto and tensor.proto that scalars and
// text summaries use; field numbers as upstream.
const SCHEMA = `
syntax = "proto3";
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what { string file_version = 3; bytes graph_def = 4; Summary summary = 5; }
}
message Summary {
  message Value {
    string node_name = 7;
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value { float simple_value = 2; bytes image = 4; bytes histo = 5; bytes audio = 6; TensorProto tensor = 8; }
  }
  repeated Value value = 1;
}
message SummaryMetadata {
  message PluginData { string plugin_name = 1; bytes content = 2; }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
}
message TensorShapeProto {
  message Dim { int64 size = 1; string name = 2; }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}
message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated float float_val = 5;
  repeated double double_val = 6;
  repeated int32 int_val = 7;
  repeated bytes string_val = 8;
  repeated int64 int64_val = 10;
}
`;

const protobuf = lazyRequire<typeof Protobuf>('protobufjs');
let eventType: Protobuf.Type | undefined;
/** The Event message type, built on first use. */
const EventType = (): Protobuf.Type => (eventType ??= protobuf().parse(SCHEMA, { keepCase: true }).root.lookupType('Event'));

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_STRING = 7;
const TEXT_SUFFIX = '/text_summary';

// Reading decodes the few fields it needs with protobufjs's minimal reader: the full library
// (its schema parser and reflection) costs ~0.1 s to load, which `runs info` of one run and a
// cold `compare` would pay for a handful of fields. Writing (below) uses the schema.
const minimal = lazyRequire<typeof Protobuf>('protobufjs/minimal');

type Reader = Protobuf.Reader;

interface PbTensor {
  dtype: number;
  content: Uint8Array | null;
  floats: number[];
  doubles: number[];
  strings: Uint8Array[];
}

/** A 64-bit varint as a number (a Long where long.js is installed). */
const longNumber = (v: number | { toNumber(): number }): number => (typeof v === 'object' ? v.toNumber() : v);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The key of the next field. As protobufjs decodes: field number 0 is an error, and a field
 * read with another wire type than its own is skipped as unknown (`wire` of the field's type;
 * a repeated number also comes packed, wire type 2).
 */
function nextKey(r: Reader): number {
  const key = r.uint32();
  if (key >>> 3 === 0) throw new Error('illegal tag: field number 0');
  return key;
}

function is(r: Reader, key: number, wire: number, packed = false): boolean {
  if ((key & 7) === wire || (packed && (key & 7) === 2)) return true;
  r.skipType(key & 7);
  return false;
}

/** A string field: invalid UTF-8 is an error, as protobufjs decodes it. */
const readString = (r: Reader): string => utf8.decode(r.bytes());

/** The end of a length-delimited field that starts here. */
function fieldEnd(r: Reader): number {
  const n = r.uint32();
  if (r.pos + n > r.len) throw new RangeError(`index out of range: ${r.pos} + ${n} > ${r.len}`);
  return r.pos + n;
}

/** A repeated float or double, packed (wire type 2) or not. */
function repeated(r: Reader, wire: number, into: number[], read: () => number): void {
  if (wire !== 2) return void into.push(read());
  const end = fieldEnd(r);
  while (r.pos < end) into.push(read());
}

function readTensor(r: Reader, end: number): PbTensor {
  const t: PbTensor = { dtype: 0, content: null, floats: [], doubles: [], strings: [] };
  while (r.pos < end) {
    const key = nextKey(r);
    const wire = key & 7;
    switch (key >>> 3) {
      case 1:
        if (is(r, key, 0)) t.dtype = r.int32();
        break;
      case 4:
        if (is(r, key, 2)) t.content = r.bytes();
        break;
      case 5:
        if (is(r, key, 5, true)) repeated(r, wire, t.floats, () => r.float());
        break;
      case 6:
        if (is(r, key, 1, true)) repeated(r, wire, t.doubles, () => r.double());
        break;
      case 8:
        if (is(r, key, 2)) t.strings.push(r.bytes());
        break;
      default:
        r.skipType(wire);
    }
  }
  return t;
}

/** `metadata.plugin_data.plugin_name`, or '' without one. */
function readPluginName(r: Reader, end: number): string {
  let name = '';
  while (r.pos < end) {
    const key = nextKey(r);
    if (key >>> 3 !== 1 || !is(r, key, 2)) {
      if (key >>> 3 !== 1) r.skipType(key & 7);
      continue;
    }
    const pluginEnd = fieldEnd(r);
    while (r.pos < pluginEnd) {
      const k = nextKey(r);
      if (k >>> 3 !== 1) r.skipType(k & 7);
      else if (is(r, k, 2)) name = readString(r);
    }
  }
  return name;
}

function tensorScalar(t: PbTensor): number | undefined {
  if (t.dtype === DT_FLOAT) {
    if (t.floats.length === 1) return t.floats[0];
    if (t.content?.length === 4) return Buffer.from(t.content).readFloatLE(0);
  } else if (t.dtype === DT_DOUBLE) {
    if (t.doubles.length === 1) return t.doubles[0];
    if (t.content?.length === 8) return Buffer.from(t.content).readDoubleLE(0);
  }
  return undefined;
}

/** One `Summary.Value`: a scalar (simple value or scalar tensor) or a text summary, else null. */
function readValue(r: Reader, end: number): TfValue | null {
  let tag = '';
  let plugin = '';
  let kind = 0; // the `value` oneof member last set (its field number)
  let simple = 0;
  let tensor: PbTensor | null = null;
  while (r.pos < end) {
    const key = nextKey(r);
    const field = key >>> 3;
    if (field === 1) {
      if (is(r, key, 2)) tag = readString(r);
    } else if (field === 2) {
      if (is(r, key, 5)) {
        simple = r.float();
        kind = 2;
      }
    } else if (field === 8) {
      if (is(r, key, 2)) {
        tensor = readTensor(r, fieldEnd(r));
        kind = 8;
      }
    } else if (field === 9) {
      if (is(r, key, 2)) plugin = readPluginName(r, fieldEnd(r));
    } else if (field === 4 || field === 5 || field === 6 || field === 7) {
      if (is(r, key, 2)) {
        if (field === 7) readString(r);
        else {
          kind = field;
          r.skipType(2);
        }
      }
    } else r.skipType(key & 7);
  }
  if (kind === 2) return { tag, value: simple };
  if (kind !== 8 || !tensor) return null;
  if (tensor.dtype === DT_STRING) {
    const isText = plugin === 'text' || tag.endsWith(TEXT_SUFFIX);
    if (!isText || tensor.strings.length !== 1) return null;
    const key = tag.endsWith(TEXT_SUFFIX) ? tag.slice(0, -TEXT_SUFFIX.length) : tag;
    return { tag: key, text: Buffer.from(tensor.strings[0]!).toString('utf8') };
  }
  const value = tensorScalar(tensor);
  return value === undefined ? null : { tag, value };
}

/** An `Event` with a summary of scalar or text values, else null (file version, graph, …). */
function decodeEvent(data: Uint8Array): TfEvent | null {
  const r = minimal().Reader.create(data);
  let wallTime = 0;
  let step = 0;
  let what = 0; // the `what` oneof member last set (its field number)
  let values: TfValue[] = [];
  while (r.pos < r.len) {
    const key = nextKey(r);
    const field = key >>> 3;
    if (field === 1) {
      if (is(r, key, 1)) wallTime = r.double();
    } else if (field === 2) {
      if (is(r, key, 0)) step = longNumber(r.int64() as unknown as number | { toNumber(): number });
    } else if (field === 5) {
      if (!is(r, key, 2)) continue;
      values = []; // a second summary replaces the first, as protobufjs decodes it
      what = 5;
      const end = fieldEnd(r);
      while (r.pos < end) {
        const k = nextKey(r);
        if (k >>> 3 !== 1) r.skipType(k & 7);
        else if (is(r, k, 2)) {
          const v = readValue(r, fieldEnd(r));
          if (v) values.push(v);
        }
      }
    } else if (field === 3 || field === 4) {
      if (is(r, key, 2)) {
        if (field === 3) readString(r);
        else r.skipType(2);
        what = field;
      }
    } else r.skipType(key & 7);
  }
  return what === 5 && values.length ? { wallTime, step, values } : null;
}

/**
 * Reads the events of one file from `fromOffset`. A truncated last record ends the read with
 * `nextOffset` at its start, so a tailer resumes there; a bad length CRC stops with `problem`;
 * a bad data CRC or an undecodable proto skips that record and reports `problem`. Never throws
 * for a bad or missing file. `size`: the file's size when opened (what was read up to).
 */
export function readEventFile(path: string, fromOffset = 0): { events: TfEvent[]; nextOffset: number; problem?: string; size?: number } {
  let buf: Buffer;
  let size: number;
  try {
    const fd = openSync(path, 'r');
    try {
      size = fstatSync(fd).size;
      buf = Buffer.alloc(Math.max(0, size - fromOffset));
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, fromOffset + got);
        if (n === 0) break;
        got += n;
      }
      buf = buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return { events: [], nextOffset: fromOffset, problem: `cannot read: ${(e as Error).message}` };
  }
  const events: TfEvent[] = [];
  const problems: string[] = [];
  let pos = 0;
  while (pos + 12 <= buf.length) {
    const at = fromOffset + pos;
    const len = buf.readBigUInt64LE(pos);
    if (buf.readUInt32LE(pos + 8) !== maskedCrc32c(buf, pos, pos + 8)) {
      problems.push(`bad record length CRC at offset ${at}`);
      return { events, nextOffset: at, problem: problems.join('; '), size };
    }
    const end = pos + 12 + Number(len) + 4;
    if (len > BigInt(buf.length) || end > buf.length) break; // partial tail record
    if (buf.readUInt32LE(end - 4) !== maskedCrc32c(buf, pos + 12, end - 4)) {
      problems.push(`bad record data CRC at offset ${at}`);
    } else {
      try {
        const ev = decodeEvent(buf.subarray(pos + 12, end - 4));
        if (ev) events.push(ev);
      } catch (e) {
        problems.push(`bad event at offset ${at}: ${(e as Error).message}`);
      }
    }
    pos = end;
  }
  const result: { events: TfEvent[]; nextOffset: number; problem?: string; size?: number } = { events, nextOffset: fromOffset + pos, size };
  if (problems.length) result.problem = problems.join('; ');
  return result;
}

/** Frames one serialized record: u64 length, masked CRC of it, data, masked CRC of data. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(data.length + 16);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out, 0, 8), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/** Serializes one Event proto. `step` 0 is left out as proto3 does; `wallTime` 0 likewise. */
export function encodeEvent(e: { wallTime?: number; step?: number; fileVersion?: string; value?: object }): Uint8Array {
  const msg: Record<string, unknown> = {};
  if (e.wallTime) msg.wall_time = e.wallTime;
  if (e.step) msg.step = e.step;
  if (e.fileVersion !== undefined) msg.file_version = e.fileVersion;
  if (e.value) msg.summary = { value: [e.value] };
  return EventType().encode(EventType().fromObject(msg)).finish();
}

// tensorboard's EventFileWriter numbers files with one counter per process.
let fileCounter = 0;

/**
 * Writes an event file as Guild's output-scalar writer does: created on the first value,
 * `brain.Event:2` first, then one value per event, each flushed (written) at once.
 */
export class EventFileWriter {
  private fd: number | null = null;
  private closed = false;
  /** The file, once the first value has created it. */
  path: string | null = null;

  constructor(
    private readonly dir: string,
    private readonly opts: { attrs?: boolean; host?: string; pid?: number } = {},
  ) {}

  addScalar(tag: string, value: number, step: number, wallTime = Date.now() / 1000): void {
    this.append(encodeEvent({ wallTime, step, value: { tag, simple_value: value } }));
  }

  addText(tag: string, text: string, step: number, wallTime = Date.now() / 1000): void {
    const value = {
      tag,
      tensor: { dtype: DT_STRING, tensor_shape: {}, string_val: [Buffer.from(text, 'utf8')] },
      metadata: { plugin_data: { plugin_name: 'text' } },
    };
    this.append(encodeEvent({ wallTime, step, value }));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.closed = true;
  }

  private append(data: Uint8Array): void {
    if (this.closed) throw new Error('EventFileWriter is closed');
    if (this.fd === null) this.open();
    writeRecord(this.fd!, frameRecord(data));
  }

  private open(): void {
    const secs = String(Math.floor(Date.now() / 1000)).padStart(10, '0');
    const host = this.opts.host ?? hostname();
    const pid = this.opts.pid ?? process.pid;
    const name = `events.out.tfevents.${secs}.${host}.${pid}.${fileCounter++}${this.opts.attrs ? '.attrs' : ''}`;
    this.path = join(this.dir, name);
    this.fd = openSync(this.path, 'wx');
    writeRecord(this.fd, frameRecord(encodeEvent({ fileVersion: 'brain.Event:2' })));
  }
}

function writeRecord(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}
