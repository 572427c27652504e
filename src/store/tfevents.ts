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

interface PbTensor {
  dtype?: number;
  tensor_content?: Uint8Array;
  float_val?: number[];
  double_val?: number[];
  string_val?: Uint8Array[];
}
interface PbValue {
  tag?: string;
  value?: string; // name of the oneof member that is set
  simple_value?: number;
  tensor?: PbTensor;
  metadata?: { plugin_data?: { plugin_name?: string } };
}
interface PbEvent {
  wall_time?: number;
  step?: number | { toNumber(): number };
  what?: string;
  summary?: { value?: PbValue[] };
}

function tensorScalar(t: PbTensor): number | undefined {
  if (t.dtype === DT_FLOAT) {
    if (t.float_val?.length === 1) return t.float_val[0];
    const c = t.tensor_content;
    if (c?.length === 4) return Buffer.from(c).readFloatLE(0);
  } else if (t.dtype === DT_DOUBLE) {
    if (t.double_val?.length === 1) return t.double_val[0];
    const c = t.tensor_content;
    if (c?.length === 8) return Buffer.from(c).readDoubleLE(0);
  }
  return undefined;
}

function decodeValue(v: PbValue): TfValue | null {
  const tag = v.tag ?? '';
  if (v.value === 'simple_value') return { tag, value: v.simple_value ?? 0 };
  const t = v.tensor;
  if (v.value !== 'tensor' || !t) return null;
  if (t.dtype === DT_STRING) {
    const isText = v.metadata?.plugin_data?.plugin_name === 'text' || tag.endsWith(TEXT_SUFFIX);
    if (!isText || t.string_val?.length !== 1) return null;
    const key = tag.endsWith(TEXT_SUFFIX) ? tag.slice(0, -TEXT_SUFFIX.length) : tag;
    return { tag: key, text: Buffer.from(t.string_val[0]!).toString('utf8') };
  }
  const value = tensorScalar(t);
  return value === undefined ? null : { tag, value };
}

function decodeEvent(data: Uint8Array): TfEvent | null {
  const ev = EventType().decode(data) as unknown as PbEvent;
  if (ev.what !== 'summary') return null;
  const values: TfValue[] = [];
  for (const v of ev.summary?.value ?? []) {
    const d = decodeValue(v);
    if (d) values.push(d);
  }
  const step = typeof ev.step === 'object' && ev.step !== null ? ev.step.toNumber() : (ev.step ?? 0);
  return values.length ? { wallTime: ev.wall_time ?? 0, step, values } : null;
}

/**
 * Reads the events of one file from `fromOffset`. A truncated last record ends the read with
 * `nextOffset` at its start, so a tailer resumes there; a bad length CRC stops with `problem`;
 * a bad data CRC or an undecodable proto skips that record and reports `problem`. Never throws
 * for a bad or missing file.
 */
export function readEventFile(path: string, fromOffset = 0): { events: TfEvent[]; nextOffset: number; problem?: string } {
  let buf: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
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
      return { events, nextOffset: at, problem: problems.join('; ') };
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
  const result: { events: TfEvent[]; nextOffset: number; problem?: string } = { events, nextOffset: fromOffset + pos };
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
