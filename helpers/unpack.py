"""Unpacks an archive a run depends on, as Guild's resolver does.

Usage: unpack.py ARCHIVE DIR

Extracts the members of a zip or tar archive (gzip, bz2 or xz compressed) that DIR does not
have yet, and prints the archive's paths as JSON: the directories its members imply, then
the member names. Members that would land outside DIR are refused.
"""

import json
import os
import sys
import tarfile
import zipfile


def _names(archive):
    if zipfile.is_zipfile(archive):
        zf = zipfile.ZipFile(archive)
        members = zf.namelist()
        return members, members, lambda dest, todo: zf.extractall(dest, todo)
    tf = tarfile.open(archive)
    members = [m for m in tf.getmembers() if m.name != "."]
    names = [m.name[2:] if m.name.startswith("./") else m.name for m in members]

    def extract(dest, todo):
        if hasattr(tarfile, "data_filter"):
            tf.extractall(dest, todo, filter="data")
        else:
            # no extraction filter in this Python: links could lead a later member outside
            for m in todo:
                if m.issym() or m.islnk():
                    raise ValueError(f"member '{m.name}' is a link (this Python cannot unpack it safely)")
            tf.extractall(dest, todo)

    return members, names, extract


def _check_inside(dest, name):
    target = os.path.realpath(os.path.join(dest, name))
    if os.path.commonpath([target, os.path.realpath(dest)]) != os.path.realpath(dest):
        raise ValueError(f"member '{name}' would be outside the unpack dir")


def main(archive, dest):
    members, names, extract = _names(archive)
    for name in names:
        _check_inside(dest, name)
    todo = [m for m, n in zip(members, names) if not os.path.exists(os.path.join(dest, n))]
    os.makedirs(dest, exist_ok=True)
    extract(dest, todo)
    names = [n.rstrip("/") for n in names]
    dirs = sorted({n.rsplit("/", 1)[0] for n in names if "/" in n} - set(names))
    json.dump(dirs + names, sys.stdout)


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except Exception as e:  # the caller words the error
        sys.stderr.write(f"{e}\n")
        sys.exit(1)
