"""Coverage of test images built with -Db_coverage=true (--coverage).

An image writes its counters on the coverage channel (kernel/coverage/
coverage_stream.h; docs/protocol.md, "Coverage"): QEMU's isa-debugcon, which
this module attaches to a file. After each boot the file's complete dumps
are added up; at the end of the run every object's counters are merged into
its .gcda beside its .gcno in the build directory, so that meson's coverage
targets (gcovr or lcov) show kernel code that ran only inside QEMU. Merging
holds a lock per object directory and replaces each file atomically, so the
parallel runs of `meson test`, whose images share the kernel's objects, add
up exactly. With --coverage-per-case DIR, the counters of each case also go
to a tree of their own under DIR.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import sys

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                      os.pardir, 'kernel', 'coverage', 'coverage_stream.h')
DEFINE = re.compile(r"#define\s+COVERAGE_([A-Z_]+)\s+(0x[0-9a-fA-F]+|[0-9]+|'.'|\"[^\"]*\")")
CHARDEV_ID = 'ktest-coverage'
LOCK_NAME = '.ktest-gcda.lock'
U64 = (1 << 64) - 1

# .gcda records (gcc's gcov-io.h).
GCDA_MAGIC = 0x67636461          # "gcda"
TAG_FUNCTION = 0x01000000
TAG_ARCS = 0x01a10000
TAG_OBJECT_SUMMARY = 0xa1000000  # gcc 9 and later
TAG_PROGRAM_SUMMARY = 0xa3000000  # older formats (clang writes 4.8's)


def load_constants(path: str = HEADER) -> dict[str, object]:
    """The COVERAGE_* definitions of the stream header: numbers as int, a
    character as its code, strings as str."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    values: dict[str, object] = {}
    for name, raw in DEFINE.findall(text):
        if raw.startswith("'"):
            values[name] = ord(raw[1])
        elif raw.startswith('"'):
            values[name] = raw[1:-1]
        else:
            values[name] = int(raw, 0)
    return values


C = load_constants()


class StreamError(Exception):
    """The coverage stream is not what coverage_stream.h says."""


class Counts:
    """One object's counters: its .gcno's identity, the runs they add up,
    and per function ident [lineno_checksum, cfg_checksum, arc counters]."""

    def __init__(self, version: int, stamp: int, checksum: int, runs: int = 0) -> None:
        self.version, self.stamp, self.checksum, self.runs = version, stamp, checksum, runs
        self.functions: dict[int, list] = {}

    def same_object(self, other: Counts) -> bool:
        """Whether both come from the same compilation of the object."""
        if (self.version, self.stamp, self.checksum) != (other.version, other.stamp,
                                                         other.checksum):
            return False
        for ident, (lineno, cfg, arcs) in other.functions.items():
            mine = self.functions.get(ident)
            if mine is not None and (mine[0], mine[1], len(mine[2])) != (lineno, cfg, len(arcs)):
                return False
        return True

    def add(self, other: Counts) -> None:
        """Add other's runs and counters (same_object must hold)."""
        self.runs += other.runs
        for ident, (lineno, cfg, arcs) in other.functions.items():
            mine = self.functions.setdefault(ident, [lineno, cfg, [0] * len(arcs)])
            mine[2] = [(a + b) & U64 for a, b in zip(mine[2], arcs)]

    def copy(self) -> Counts:
        """A deep copy."""
        new = Counts(self.version, self.stamp, self.checksum, self.runs)
        new.functions = {k: [v[0], v[1], list(v[2])] for k, v in self.functions.items()}
        return new


def add_into(table: dict[str, Counts], path: str, counts: Counts) -> None:
    """table[path] += counts; a different compilation replaces what was there."""
    have = table.get(path)
    if have is None or not have.same_object(counts):
        table[path] = counts.copy()
    else:
        have.add(counts)


# ---------------------------------------------------------------------------
# The stream

class Reader:
    """A cursor over the bytes of the stream."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def byte(self) -> int:
        """The next byte."""
        if self.pos >= len(self.data):
            raise StreamError('it ends in the middle of a dump')
        self.pos += 1
        return self.data[self.pos - 1]

    def number(self) -> int:
        """An unsigned LEB128 number of at most 64 bits."""
        value, shift = 0, 0
        while True:
            b = self.byte()
            value |= (b & 0x7f) << shift
            if not b & 0x80:
                break
            shift += 7
            if shift >= 64:
                raise StreamError('a number longer than 64 bits')
        if value > U64:
            raise StreamError('a number longer than 64 bits')
        return value

    def string(self, limit: int = 4096) -> str:
        """A length, then that many bytes of printable ASCII."""
        n = self.number()
        if n > limit or self.pos + n > len(self.data):
            raise StreamError('a string runs past its limit or the stream')
        raw = self.data[self.pos:self.pos + n]
        self.pos += n
        if any(b < 0x20 or b > 0x7e for b in raw):
            raise StreamError('a string with bytes that are not printable ASCII')
        return raw.decode('ascii')


def parse_dump(r: Reader) -> tuple[str, dict[str, Counts]]:
    """The dump whose 'D' tag was just read: its label and objects."""
    label = r.string(C['LABEL_MAX'])
    objects: dict[str, Counts] = {}
    obj, fn, records = None, None, 0
    while True:
        tag = r.byte()
        if tag == C['TAG_END']:
            if r.number() != records:
                raise StreamError('a dump whose end counts other records than it holds')
            return label, objects
        records += 1
        if tag == C['TAG_OBJECT']:
            path = r.string()
            obj = Counts(r.number(), r.number(), r.number(), runs=1)
            if path in objects:
                raise StreamError(f'object {path} twice in one dump')
            objects[path], fn = obj, None
        elif tag == C['TAG_FUNCTION'] and obj is not None:
            ident = r.number()
            fn = obj.functions[ident] = [r.number(), r.number(), []]
        elif tag == C['TAG_ARCS'] and fn is not None:
            n = r.number()
            if n > len(r.data) - r.pos:
                raise StreamError('more arcs than bytes left')
            fn[2] = [r.number() for _ in range(n)]
        else:
            raise StreamError(f'unexpected record {tag:#04x} at byte {r.pos - 1}')


def parse_stream(data: bytes) -> tuple[list[tuple[str, dict[str, Counts]]], str | None]:
    """Every complete dump of a boot's stream, and what was wrong after the
    last of them (None when nothing was)."""
    r, dumps = Reader(data), []
    while r.pos < len(data):
        try:
            if r.byte() != C['TAG_DUMP']:
                raise StreamError(f'no dump starts at byte {r.pos - 1}')
            dumps.append(parse_dump(r))
        except StreamError as exc:
            return dumps, str(exc)
    return dumps, None


# ---------------------------------------------------------------------------
# .gcda files

def gcov_major(version: int) -> int:
    """The gcc major version of a gcov version word ('B22*' = 12, '408*' = 4)."""
    c3, c2 = (version >> 24) & 0xff, (version >> 16) & 0xff
    if c3 >= ord('A'):
        return (c3 - ord('A')) * 10 + c2 - ord('0')
    return c3 - ord('0')


def encode_gcda(counts: Counts) -> bytes:
    """The .gcda of counts, in the format its version reads: lengths in
    bytes from gcc 12 on (in words before), gcc 12's checksum, gcc 9's
    object summary (the program summary clang's 4.8 format has)."""
    major = gcov_major(counts.version)
    unit = 4 if major >= 12 else 1
    words = [GCDA_MAGIC, counts.version, counts.stamp]
    if major >= 12:
        words.append(counts.checksum)

    def record(tag: int, payload: list[int]) -> None:
        """Append one tagged record."""
        words.extend([tag, len(payload) * unit] + payload)

    peak = max((max(arcs, default=0) for _, _, arcs in counts.functions.values()), default=0)
    if major >= 9:
        record(TAG_OBJECT_SUMMARY, [counts.runs & 0xffffffff, min(peak, 0xffffffff)])
    else:
        record(TAG_PROGRAM_SUMMARY, [0, 0, counts.runs & 0xffffffff])
    for ident, (lineno, cfg, arcs) in counts.functions.items():
        record(TAG_FUNCTION, [ident, lineno, cfg])
        record(TAG_ARCS, [w for v in arcs for w in (v & 0xffffffff, v >> 32)])
    words += [0] if major >= 9 else [0, 0]
    return struct.pack(f'<{len(words)}I', *words)


def decode_gcda(data: bytes) -> Counts | None:
    """The counters of a .gcda (written here or by libgcov), or None when
    it is not one this module can read."""
    if len(data) < 12 or len(data) % 4:
        return None
    words = struct.unpack(f'<{len(data) // 4}I', data)
    if words[0] != GCDA_MAGIC:
        return None
    major = gcov_major(words[1])
    unit, pos = (4, 4) if major >= 12 else (1, 3)
    counts = Counts(words[1], words[2], words[3] if major >= 12 else 0)
    fn = None
    while pos + 1 < len(words) and words[pos]:
        tag, length = words[pos], words[pos + 1]
        pos += 2
        if length & 0x80000000 and tag == TAG_ARCS and fn is not None:
            fn[2] = [0] * (((-length) & 0xffffffff) // unit // 2)   # gcc 12: all zero
            continue
        payload = words[pos:pos + length // unit]
        if len(payload) != length // unit:
            return None
        pos += len(payload)
        fn = read_record(counts, tag, payload, fn)
    return counts


def read_record(counts: Counts, tag: int, payload: tuple, fn: list | None) -> list | None:
    """Take one .gcda record into counts; the function records now go to."""
    if tag == TAG_FUNCTION:
        if len(payload) < 3:
            return None             # a placeholder of a function not here
        fn = counts.functions[payload[0]] = [payload[1], payload[2], []]
    elif tag == TAG_ARCS and fn is not None:
        fn[2] = [payload[i] | payload[i + 1] << 32 for i in range(0, len(payload) - 1, 2)]
    elif tag == TAG_OBJECT_SUMMARY and payload:
        counts.runs = payload[0]
    elif tag == TAG_PROGRAM_SUMMARY and len(payload) >= 3:
        counts.runs = payload[2]
    return fn


def merge_file(path: str, counts: Counts) -> None:
    """Add counts to the .gcda at path (a different compilation's file is
    replaced, as libgcov does), writing a new file and renaming it over."""
    try:
        with open(path, 'rb') as f:
            old = decode_gcda(f.read())
    except FileNotFoundError:
        old = None
    if old is not None and old.same_object(counts):
        old.add(counts)
        counts = old
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'wb') as f:
        f.write(encode_gcda(counts))
    os.replace(tmp, path)


def merge_files(table: dict[str, Counts]) -> None:
    """Merge every object's counters into its .gcda, one directory at a
    time under that directory's lock."""
    by_dir: dict[str, list[str]] = {}
    for path in table:
        by_dir.setdefault(os.path.dirname(path), []).append(path)
    for directory, paths in sorted(by_dir.items()):
        os.makedirs(directory, exist_ok=True)
        fd = os.open(os.path.join(directory, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            for path in sorted(paths):
                merge_file(path, table[path])
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------
# Where the counters go

def build_root(gcda: str) -> str | None:
    """The meson build directory holding gcda (it has meson-private/)."""
    directory = os.path.dirname(gcda)
    while directory != os.path.dirname(directory):
        if os.path.isdir(os.path.join(directory, 'meson-private')):
            return directory
        directory = os.path.dirname(directory)
    return None


def safe_name(name: str) -> str:
    """A result's name as one directory name."""
    return re.sub(r'[^A-Za-z0-9_.\[\]=+-]', '_', name) or '_'


def check_target(gcda: str) -> str | None:
    """Why the harness will not write gcda (an image names the path), or None:
    it must be an absolute .gcda path with its .gcno beside it."""
    if not os.path.isabs(gcda) or not gcda.endswith('.gcda') or '/../' in gcda:
        return f'{gcda!r} is not an absolute .gcda path'
    if not os.path.isfile(gcda[:-len('.gcda')] + '.gcno'):
        return f'no .gcno beside {gcda} (built elsewhere, or the build was cleaned?)'
    return None


def case_tree_path(top: str, image: str, label: str, gcda: str) -> str:
    """Where a case's counters for gcda go: TOP/IMAGE/CASE/ and the path
    inside the build directory, a link to the .gcno beside it (made here)."""
    root = build_root(gcda)
    inside = os.path.relpath(gcda, root) if root else gcda.lstrip('/')
    path = os.path.join(top, image, safe_name(label), inside)
    gcno = path[:-len('.gcda')] + '.gcno'
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        os.symlink(gcda[:-len('.gcda')] + '.gcno', gcno)
    except FileExistsError:
        pass                    # made by an earlier run, or one running beside
    return path


class Collector:
    """The coverage of one run of an image: the channel's file, the
    counters of its boots so far, and where they go at the end."""

    def __init__(self, image: str, per_case: str | None) -> None:
        import tempfile
        fd, self.path = tempfile.mkstemp(prefix='ktest-coverage-', suffix='.bin')
        os.close(fd)
        self.image = os.path.splitext(os.path.basename(image))[0]
        self.per_case = per_case
        self.total: dict[str, Counts] = {}
        self.cases: dict[tuple[str, str], Counts] = {}
        self.problems: list[str] = []

    def qemu_args(self) -> list[str]:
        """The channel: isa-debugcon on the coverage port, into the file."""
        path = self.path.replace(',', ',,')
        return ['-chardev', f'file,id={CHARDEV_ID},path={path}',
                '-device', f'isa-debugcon,iobase={C["PORT"]:#x},chardev={CHARDEV_ID}']

    def words(self) -> list[str]:
        """Kernel command line words: one dump per case with --coverage-per-case."""
        return [f'{C["WORD"]}={C["PER_CASE"]}'] if self.per_case else []

    def take_boot(self, ended_by_ktest: bool) -> None:
        """Add the dumps of the boot that just ended; empty the file."""
        with open(self.path, 'r+b') as f:
            data = f.read()
            f.truncate(0)
        dumps, problem = parse_stream(data)
        if problem:
            self.problems.append(f'a dump was cut short or malformed ({problem}); '
                                 'its counters are lost')
        elif ended_by_ktest and not dumps:
            self.problems.append('a boot ended with an exit code but no coverage dump '
                                 '(an image without ktest\'s runner, or not built with '
                                 '-Db_coverage=true): its counters are lost')
        boot: dict[str, Counts] = {}
        for label, objects in dumps:
            for gcda, counts in objects.items():
                add_into(boot, gcda, counts)
                if label and self.per_case:
                    add_into(self.cases, (label, gcda), counts)
        for gcda, counts in boot.items():
            counts.runs = 1
            add_into(self.total, gcda, counts)

    def finish(self) -> None:
        """Merge everything into the .gcda files; say what went wrong on
        stderr (never in the results: coverage does not change a verdict)."""
        os.unlink(self.path)
        try:
            self.write()
        except OSError as exc:
            self.problems.append(f'could not write the .gcda files: {exc}')
        for problem in dict.fromkeys(self.problems):
            print(f'run_qemu.py: coverage: {problem}', file=sys.stderr)

    def write(self) -> None:
        """Merge the run's counters into the build's .gcda files and, per
        case, into the --coverage-per-case tree."""
        table = {}
        for gcda, counts in self.total.items():
            why = check_target(gcda)
            if why:
                self.problems.append(f'not written: {why}')
            else:
                table[gcda] = counts
        for (label, gcda), counts in self.cases.items():
            if gcda in table:
                table[case_tree_path(self.per_case, self.image, label, gcda)] = counts
        merge_files(table)
