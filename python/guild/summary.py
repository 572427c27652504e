"""Guild's `guild.summary.SummaryWriter`: TensorBoard event files, in pure Python.

Each value is written and flushed as it is added, so a run that dies keeps what it logged.
A writer made with `filename_suffix=".attrs"` logs run attributes: Guild (and grun) read the
text summaries of `*.attrs` event files as the run's logged attributes.
"""

import os
import socket
import struct
import time

_DT_STRING = 7

_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)
del _n, _c


def _crc32c(data):
    crc = 0xFFFFFFFF
    for b in bytearray(data):
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data):
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n):
    n &= 0xFFFFFFFFFFFFFFFF  # negative int64s as protobuf writes them
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num, wire, payload):
    return _varint((num << 3) | wire) + payload


def _bytes_field(num, data):
    return _field(num, 2, _varint(len(data)) + data)


def _event(wall_time, step=None, file_version=None, value=None):
    # tensorflow.Event: wall_time 1, step 2, file_version 3, summary 5 (Summary.value 1)
    msg = _field(1, 1, struct.pack("<d", wall_time))
    if step:
        msg += _field(2, 0, _varint(step))
    if file_version is not None:
        msg += _bytes_field(3, file_version.encode("utf-8"))
    if value is not None:
        msg += _bytes_field(5, _bytes_field(1, value))
    return msg


def _scalar_value(tag, value):
    # Summary.Value: tag 1, simple_value 2
    return _bytes_field(1, tag.encode("utf-8")) + _field(2, 5, struct.pack("<f", value))


def _text_value(tag, text):
    # Summary.Value: tag 1, tensor 8 (dtype 1, tensor_shape 2, string_val 8),
    # metadata 9 (plugin_data 1: plugin_name 1 = "text")
    tensor = _field(1, 0, _varint(_DT_STRING)) + _bytes_field(2, b"") + _bytes_field(8, text.encode("utf-8"))
    metadata = _bytes_field(1, _bytes_field(1, b"text"))
    return _bytes_field(1, tag.encode("utf-8")) + _bytes_field(8, tensor) + _bytes_field(9, metadata)


_file_counter = [0]


class SummaryWriter(object):
    """Writes scalars and text to a TensorBoard event file in `logdir`."""

    def __init__(self, logdir, max_queue=10, flush_secs=120, filename_base=None, filename_suffix=""):
        # max_queue and flush_secs are accepted for Guild's signature: every add is flushed
        self.logdir = logdir
        self._filename_base = filename_base
        self._filename_suffix = filename_suffix or ""
        self._f = None

    def add_scalar(self, tag, value, step=None, wall_time=None, global_step=None, walltime=None):
        step = step if step is not None else global_step
        self._write(_scalar_value(tag, float(value)), step, wall_time or walltime)

    def add_text(self, tag, text, step=None, wall_time=None, global_step=None, walltime=None):
        step = step if step is not None else global_step
        self._write(_text_value(tag, str(text)), step, wall_time or walltime)

    def flush(self):
        if self._f is not None:
            self._f.flush()

    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()

    def _write(self, value, step, wall_time):
        if self._f is None:
            self._open()
        self._record(_event(wall_time or time.time(), step=int(step or 0), value=value))

    def _open(self):
        if not os.path.isdir(self.logdir):
            os.makedirs(self.logdir)
        base = self._filename_base or "events.out.tfevents.%010d.%s.%d.%d" % (
            int(time.time()),
            socket.gethostname(),
            os.getpid(),
            _file_counter[0],
        )
        _file_counter[0] += 1
        self._f = open(os.path.join(self.logdir, base + self._filename_suffix), "ab")
        self._record(_event(time.time(), file_version="brain.Event:2"))

    def _record(self, data):
        header = struct.pack("<Q", len(data))
        self._f.write(header + struct.pack("<I", _masked_crc(header)) + data + struct.pack("<I", _masked_crc(data)))
        self._f.flush()
