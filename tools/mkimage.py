#!/usr/bin/env python3
"""Build one raw disk image that boots through a BIOS and through UEFI.

Layout (constants read from boot/image.h, the loaders' own source of truth;
docs/boot.md has the table):
  LBA 0          boot sector (stage 1) with a hybrid MBR: a protective 0xEE
                 record over the GPT and an active 0xEF one over the ESP
  LBA 1-33       GPT header and partition entries
  LBA 2048-      the EFI System Partition (FAT12/16): its boot sector, then
                 in its reserved sectors the image header (kernel location
                 and size, command line) and the second stage; then the
                 files EFI/BOOT/BOOTX64.EFI (the UEFI loader) and
                 EFI/ktest/kernel.elf (the kernel ELF, unchanged, in one run
                 of sectors, which the BIOS loader reads directly)
  last 33 LBAs   the backup GPT
The image is padded to a whole MiB. It boots with
`qemu-system-x86_64 -drive format=raw,file=IMAGE` (SeaBIOS) or with
`-bios /usr/share/ovmf/OVMF.fd` added (UEFI), and can be written to a USB
stick with dd. The output is written to a temporary file and renamed, so a
failed build never leaves a half-written image behind.
"""
import argparse
import hashlib
import os
import re
import struct
import sys
import tempfile
import uuid
import zlib

SECTOR = 512
BOOT_SIGNATURE = b"\x55\xaa"
ELF_MAGIC = b"\x7fELF"
PE_MAGIC = b"MZ"
PROTECTIVE_END_LBA = 2047       # the 0xEE record: LBA 1 up to the ESP
ESP_NAME = "EFI System"
ESP_LABEL = "KTEST ESP"
EFI_LOADER_PATH = "EFI/BOOT/BOOTX64.EFI"    # UEFI 2.10, 3.5.1.1: removable media
KERNEL_PATH = "EFI/ktest/kernel.elf"
LAYOUT_KEYS = ("IMG_SECTOR_SIZE", "IMG_GPT_ENTRIES_LBA", "IMG_GPT_ENTRIES",
               "IMG_GPT_ENTRY_SIZE", "IMG_ESP_LBA", "IMG_ESP_RESERVED",
               "IMG_HEADER_LBA", "IMG_STAGE2_LBA", "IMG_STAGE2_MAX",
               "IMG_ALIGN_SECTORS", "IMG_HDR_MAGIC_LO", "IMG_HDR_MAGIC_HI",
               "IMG_HDR_MAGIC", "IMG_HDR_KERNEL_LBA", "IMG_HDR_KERNEL_BYTES",
               "IMG_HDR_CMDLINE", "IMG_HDR_CMDLINE_MAX", "IMG_KERNEL_MAX_BYTES")
PT_LOAD = 1


class ImageError(Exception):
    """A problem with the inputs, reported as one line."""


# ---------------------------------------------------------------------------
# GPT and hybrid MBR: UEFI 2.10, 5.2 (legacy and protective MBR) and 5.3
# (GPT header and partition entries).

GPT_SIGNATURE = b"EFI PART"
GPT_REVISION = 0x00010000           # 1.0
GPT_HEADER = struct.Struct("<8sIIIIQQQQ16sQIII")
GPT_ENTRY = struct.Struct("<16s16sQQQ72s")
assert GPT_HEADER.size == 92, "GPT header: 92 bytes (UEFI 2.10, table 5.5)"
assert GPT_ENTRY.size == 128, "GPT partition entry: 128 bytes (table 5.6)"
GPT_NAME_CHARS = 36                 # PartitionName: 36 UTF-16 code units
# Partition type GUID of an EFI System Partition (table 5.7).
ESP_TYPE_GUID = uuid.UUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
ATTR_LEGACY_BIOS_BOOTABLE = 1 << 2  # table 5.8: a BIOS boots from here too

MBR_PARTITION_TABLE = 446
MBR_ENTRY = struct.Struct("<B3sB3sII")
assert MBR_ENTRY.size == 16
MBR_ACTIVE = 0x80
MBR_TYPE_PROTECTIVE = 0xEE          # GPT protective (5.2.3)
MBR_TYPE_ESP = 0xEF                 # EFI System Partition in an MBR
CHS_BEYOND = b"\xfe\xff\xff"        # "past CHS": the LBA fields are the truth
CHS_HEADS, CHS_SECTORS = 255, 63
CHS_MAX_CYLINDER = 1023


def chs(lba: int) -> bytes:
    """The 3-byte CHS address of lba on a 255-head, 63-sector disk."""
    cylinder, rest = divmod(lba, CHS_HEADS * CHS_SECTORS)
    if cylinder > CHS_MAX_CYLINDER:
        return CHS_BEYOND
    head, sector = divmod(rest, CHS_SECTORS)
    return bytes([head, (sector + 1) | (cylinder >> 8) << 6, cylinder & 0xFF])


def mbr_entry(active: bool, kind: int, first: int, count: int) -> bytes:
    """One MBR partition record. Its end is given as "past CHS" so that
    nothing (QEMU's geometry guess among others) derives a geometry from it."""
    return MBR_ENTRY.pack(MBR_ACTIVE if active else 0, chs(first), kind,
                          CHS_BEYOND, first, count)


def gpt_entry_array(partitions: list, count: int) -> bytes:
    """The partition entry array: partitions are (type GUID, unique GUID,
    first LBA, last LBA, attributes, name); unused entries are zero."""
    out = bytearray(count * GPT_ENTRY.size)
    for i, (kind, unique, first, last, attrs, name) in enumerate(partitions):
        raw_name = name.encode("utf-16-le")
        if len(raw_name) > GPT_NAME_CHARS * 2:
            raise ImageError(f"partition name {name!r} is too long")
        GPT_ENTRY.pack_into(out, i * GPT_ENTRY.size, kind.bytes_le,
                            unique.bytes_le, first, last, attrs, raw_name)
    return bytes(out)


def gpt_header(my_lba: int, other_lba: int, entries_lba: int, usable: tuple,
           disk: uuid.UUID, count: int, entries: bytes) -> bytes:
    """One GPT header sector, its CRC32 computed over the 92 header bytes."""
    fields = [GPT_SIGNATURE, GPT_REVISION, GPT_HEADER.size, 0, 0, my_lba,
              other_lba, usable[0], usable[1], disk.bytes_le, entries_lba,
              count, GPT_ENTRY.size, zlib.crc32(entries)]
    fields[3] = zlib.crc32(GPT_HEADER.pack(*fields))
    return GPT_HEADER.pack(*fields).ljust(SECTOR, b"\0")


def gpt_write(image: bytearray, disk: uuid.UUID, partitions: list,
          entries_lba: int, count: int) -> None:
    """Write the primary GPT (header at LBA 1, entries at entries_lba) and
    the backup (entries, then the header in the last sector) into image."""
    total = len(image) // SECTOR
    entries = gpt_entry_array(partitions, count)
    entry_sectors = len(entries) // SECTOR
    backup_entries_lba = total - 1 - entry_sectors
    usable = (entries_lba + entry_sectors, backup_entries_lba - 1)
    for first_lba, last_lba in ((p[2], p[3]) for p in partitions):
        if first_lba < usable[0] or last_lba > usable[1]:
            raise ImageError("a partition lies outside the usable sectors")
    for lba, other, at in ((1, total - 1, entries_lba),
                           (total - 1, 1, backup_entries_lba)):
        image[lba * SECTOR:(lba + 1) * SECTOR] = gpt_header(
            lba, other, at, usable, disk, count, entries)
        image[at * SECTOR:at * SECTOR + len(entries)] = entries


# ---------------------------------------------------------------------------
# FAT12/16 volumes: Microsoft's "FAT: General Overview of On-Disk Format"
# v1.03. The type follows from the count of clusters alone (fewer than 4085:
# FAT12, fewer than 65525: FAT16). Clusters are one sector; each file is one
# run of clusters, in the order given, so that a loader without a FAT driver
# (the BIOS second stage) reads it as a run of sectors.

FAT12_MAX_CLUSTERS = 4085       # a volume with fewer clusters is FAT12
FAT16_MAX_CLUSTERS = 65525      # fewer than this: FAT16 (more would be FAT32)
ROOT_ENTRIES = 512              # BPB_RootEntCnt: 32 sectors of entries
DIR_ENTRY_SIZE = 32
NUM_FATS = 2
MEDIA_FIXED = 0xF8              # BPB_Media for a fixed disk
ATTR_DIRECTORY = 0x10
ATTR_ARCHIVE = 0x20
ATTR_VOLUME_ID = 0x08
NTRES_LOWER_BASE = 0x08         # DIR_NTRes: show the base name in lower case
NTRES_LOWER_EXT = 0x10          # ... and the extension
DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1   # fixed: reproducible images
EXT_BOOT_SIGNATURE = 0x29       # BS_BootSig: the three fields after it exist
# BS_jmpBoot to the code at offset 62, which asks the BIOS for the next boot
# device (int 18h) and halts: this boot sector is not the one that boots.
JMP_BOOT = b"\xeb\x3c\x90"
BOOT_CODE = b"\xcd\x18\xfa\xf4\xeb\xfd"

# The FAT12/16 boot sector up to BS_FilSysType: BS_jmpBoot, BS_OEMName,
# BPB_BytsPerSec, SecPerClus, RsvdSecCnt, NumFATs, RootEntCnt, TotSec16,
# Media, FATSz16, SecPerTrk, NumHeads, HiddSec, TotSec32, BS_DrvNum,
# Reserved1, BootSig, VolID, VolLab, FilSysType.
BPB = struct.Struct("<3s8sHBHBHHBHHHIIBBBI11s8s")
DIR_ENTRY = struct.Struct("<11sBBBHHHHHHHI")
assert BPB.size == 62, "FAT boot sector fields end at offset 62"
assert DIR_ENTRY.size == DIR_ENTRY_SIZE


def fat_short_name(name: str) -> tuple:
    """The 11-byte 8.3 name of name and its DIR_NTRes case bits."""
    base, dot, ext = name.partition(".")
    if (not base or len(base) > 8 or len(ext) > 3 or "." in ext
            or not all(c.isalnum() or c in "_-" for c in base + ext)
            or not name.isascii()):
        raise ImageError(f"{name!r} is not an 8.3 file name")
    ntres = 0
    if base.islower():
        ntres |= NTRES_LOWER_BASE
    if ext.islower():
        ntres |= NTRES_LOWER_EXT
    raw = base.upper().ljust(8) + ext.upper().ljust(3)
    return raw.encode("ascii"), ntres


def fat_dir_entry(name: bytes, attr: int, cluster: int, size: int,
              ntres: int = 0) -> bytes:
    """One 32-byte directory entry."""
    return DIR_ENTRY.pack(name, attr, ntres, 0, 0, DOS_DATE_1980_01_01,
                          DOS_DATE_1980_01_01, 0, 0, DOS_DATE_1980_01_01,
                          cluster, size)


def fat_tree(files: list) -> dict:
    """Nested dicts of the (path, data) pairs: a dict per directory."""
    root = {}
    for path, data in files:
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ImageError(f"{path}: {part} is a file")
        if parts[-1] in node:
            raise ImageError(f"{path} given twice")
        node[parts[-1]] = data
    return root


class FatVolume:
    """Cluster allocation and the FAT of a volume being built."""

    def __init__(self, clusters: int):
        """An empty volume with clusters data clusters."""
        self.clusters = clusters
        self.fat = [0] * (clusters + 2)
        self.fat[0] = 0xFF00 | MEDIA_FIXED
        self.fat[1] = 0xFFFF
        self.next = 2
        self.data = {}          # first cluster -> bytes of the run

    def allocate(self, data: bytes) -> int:
        """Store data in a fresh run of clusters; returns its first cluster
        (0 for no data, as FAT records an empty file)."""
        count = -(-len(data) // SECTOR)
        if count == 0:
            return 0
        first = self.next
        if first + count > self.clusters + 2:
            raise ImageError("the files do not fit in the volume")
        for c in range(first, first + count - 1):
            self.fat[c] = c + 1
        self.fat[first + count - 1] = 0xFFFF
        self.next += count
        self.data[first] = data
        return first

    def fat_bytes(self, fat12: bool, sectors: int) -> bytes:
        """One copy of the FAT, sectors long (FAT12 keeps each entry's low
        12 bits: 0xFFF8 becomes 0xFF8, end of chain 0xFFFF becomes 0xFFF)."""
        out = bytearray(sectors * SECTOR)
        for n, value in enumerate(self.fat):
            if fat12:
                off = n * 3 // 2
                word = struct.unpack_from("<H", out, off)[0]
                word |= (value & 0xFFF) << 4 if n & 1 else value & 0xFFF
                struct.pack_into("<H", out, off, word)
            else:
                struct.pack_into("<H", out, n * 2, value)
        return bytes(out)


def fat_directory(vol: FatVolume, node: dict, cluster_of_parent: int) -> tuple:
    """Allocate node's subdirectories and files (depth first, in order);
    returns (entries of node, {path: first cluster} of its files)."""
    entries, where = [], {}
    for name, child in node.items():
        raw, ntres = fat_short_name(name)
        if isinstance(child, dict):
            first = vol.allocate(bytes(SECTOR))     # filled in below
            sub, sub_where = fat_directory(vol, child, first)
            dot = [fat_dir_entry(b".          ", ATTR_DIRECTORY, first, 0),
                   fat_dir_entry(b"..         ", ATTR_DIRECTORY, cluster_of_parent, 0)]
            body = b"".join(dot + sub)
            if len(body) > SECTOR:
                raise ImageError(f"directory {name} has too many entries")
            vol.data[first] = body.ljust(SECTOR, b"\0")
            entries.append(fat_dir_entry(raw, ATTR_DIRECTORY, first, 0, ntres))
            where.update({f"{name}/{k}": v for k, v in sub_where.items()})
        else:
            first = vol.allocate(child)
            entries.append(fat_dir_entry(raw, ATTR_ARCHIVE, first, len(child), ntres))
            where[name] = first
    return entries, where


def fat_geometry(sectors: int, reserved: int) -> tuple:
    """(clusters, FAT sectors, FAT12?) of a volume of sectors sectors; no
    clusters when the volume is too small to hold any."""
    root = ROOT_ENTRIES * DIR_ENTRY_SIZE // SECTOR
    fat_sectors = 1
    while True:
        clusters = sectors - reserved - NUM_FATS * fat_sectors - root
        if clusters < 1:
            return 0, fat_sectors, True
        if clusters >= FAT16_MAX_CLUSTERS:
            raise ImageError("the volume is too big for FAT16")
        fat12 = clusters < FAT12_MAX_CLUSTERS
        need = -(-((clusters + 2) * (3 if fat12 else 4) // 2) // SECTOR)
        if need <= fat_sectors:
            return clusters, fat_sectors, fat12
        fat_sectors = need


def fat_clusters_needed(files: list) -> int:
    """Data clusters the files and their directories take."""
    dirs = {"/".join(p.split("/")[:i]) for p, _ in files
            for i in range(1, p.count("/") + 1)}
    return len(dirs) + sum(-(-len(d) // SECTOR) for _, d in files)


def fat_boot_sector(sectors: int, reserved: int, fat_sectors: int, fat12: bool,
                hidden: int, label: str, volume_id: int) -> bytes:
    """The volume's first sector: jump, BPB, boot code, signature."""
    small = sectors if sectors < 0x10000 else 0
    fields = BPB.pack(JMP_BOOT, b"MSWIN4.1", SECTOR, 1, reserved, NUM_FATS,
                      ROOT_ENTRIES, small, MEDIA_FIXED, fat_sectors, 63, 255,
                      hidden, 0 if small else sectors, 0x80, 0,
                      EXT_BOOT_SIGNATURE, volume_id,
                      label.upper().ljust(11).encode("ascii"),
                      b"FAT12   " if fat12 else b"FAT16   ")
    sector = bytearray(SECTOR)
    sector[:len(fields)] = fields
    sector[len(fields):len(fields) + len(BOOT_CODE)] = BOOT_CODE
    sector[510:512] = BOOT_SIGNATURE
    return bytes(sector)


def fat_volume(files: list, sectors: int, reserved: int, hidden: int, label: str,
          volume_id: int) -> tuple:
    """A volume of sectors sectors holding files, a list of ("A/B/NAME",
    bytes) pairs. Sectors 1 to reserved - 1 are left zero for the caller.
    Returns (volume bytes, {path: first sector of its data in the volume}).
    """
    clusters, fat_sectors, fat12 = fat_geometry(sectors, reserved)
    vol = FatVolume(clusters)
    root_entries, where = fat_directory(vol, fat_tree(files), 0)
    root_entries.insert(0, fat_dir_entry(label.upper().ljust(11).encode("ascii"),
                                     ATTR_VOLUME_ID, 0, 0))
    out = bytearray(sectors * SECTOR)
    out[:SECTOR] = fat_boot_sector(sectors, reserved, fat_sectors, fat12, hidden,
                               label, volume_id)
    fat = vol.fat_bytes(fat12, fat_sectors)
    for i in range(NUM_FATS):
        off = (reserved + i * fat_sectors) * SECTOR
        out[off:off + len(fat)] = fat
    root_off = (reserved + NUM_FATS * fat_sectors) * SECTOR
    root = b"".join(root_entries)
    out[root_off:root_off + len(root)] = root
    data_sector = reserved + NUM_FATS * fat_sectors + ROOT_ENTRIES * DIR_ENTRY_SIZE // SECTOR
    for first, data in vol.data.items():
        off = (data_sector + first - 2) * SECTOR
        out[off:off + len(data)] = data
    return bytes(out), {p: data_sector + c - 2 for p, c in where.items()}


# ---------------------------------------------------------------------------
# The image.

def read_layout(path: str) -> dict:
    """Return the numeric #define constants of boot/image.h as a dict."""
    pattern = re.compile(r"^\s*#define\s+(IMG_[A-Z0-9_]+)\s+(0x[0-9a-fA-F]+|\d+)")
    layout = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = pattern.match(line)
                if m:
                    layout[m.group(1)] = int(m.group(2), 0)
    except OSError as e:
        raise ImageError(f"cannot read the layout {path}: {e.strerror}") from None
    missing = sorted(set(LAYOUT_KEYS) - set(layout))
    if missing:
        raise ImageError(f"{path} does not define {', '.join(missing)}")
    return layout


def read_file(path: str, what: str) -> bytes:
    """Read a whole input file, naming it in the error if that fails."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ImageError(f"cannot read {what} {path}: {e.strerror}") from None


def header_sector(lay: dict, kernel_lba: int, kernel_size: int,
                  cmdline: str) -> bytes:
    """The image header the loaders read from IMG_HEADER_LBA."""
    try:
        raw = cmdline.encode("ascii")
    except UnicodeEncodeError:
        raise ImageError("the command line must be ASCII") from None
    if len(raw) >= lay["IMG_HDR_CMDLINE_MAX"]:
        raise ImageError(f"command line is {len(raw)} bytes; at most "
                         f"{lay['IMG_HDR_CMDLINE_MAX'] - 1} fit")
    sector = bytearray(lay["IMG_SECTOR_SIZE"])
    struct.pack_into("<II", sector, lay["IMG_HDR_MAGIC"],
                     lay["IMG_HDR_MAGIC_LO"], lay["IMG_HDR_MAGIC_HI"])
    struct.pack_into("<II", sector, lay["IMG_HDR_KERNEL_LBA"], kernel_lba, 0)
    struct.pack_into("<I", sector, lay["IMG_HDR_KERNEL_BYTES"], kernel_size)
    sector[lay["IMG_HDR_CMDLINE"]:lay["IMG_HDR_CMDLINE"] + len(raw)] = raw
    return bytes(sector)


def load_span(kernel: bytes) -> int:
    """Bytes from the lowest to the highest address of the kernel's PT_LOAD
    segments (their memory sizes: .bss and coverage counters included)."""
    try:
        phoff, = struct.unpack_from("<Q", kernel, 32)
        phentsize, phnum = struct.unpack_from("<HH", kernel, 54)
        segments = [struct.unpack_from("<IIQQQQQ", kernel, phoff + i * phentsize)
                    for i in range(phnum)]
    except struct.error:
        raise ImageError("kernel ELF is truncated: its program headers are "
                         "missing") from None
    loads = [(p[3], p[3] + p[6]) for p in segments if p[0] == PT_LOAD]
    return max(end for _, end in loads) - min(start for start, _ in loads) if loads else 0


def check_layout(lay: dict) -> None:
    """The layout's constants must agree with each other."""
    if (lay["IMG_HEADER_LBA"] != lay["IMG_ESP_LBA"] + 1
            or lay["IMG_STAGE2_LBA"] != lay["IMG_HEADER_LBA"] + 1
            or lay["IMG_STAGE2_LBA"] + lay["IMG_STAGE2_MAX"]
            > lay["IMG_ESP_LBA"] + lay["IMG_ESP_RESERVED"]):
        raise ImageError("boot/image.h: the header and second stage must "
                         "follow the ESP's boot sector inside its reserved sectors")


def check_inputs(lay: dict, stage1: bytes, stage2: bytes, kernel: bytes,
                 efi: bytes) -> None:
    """Refuse inputs the loaders could not boot."""
    sector = lay["IMG_SECTOR_SIZE"]
    if len(stage1) != sector or stage1[510:512] != BOOT_SIGNATURE:
        raise ImageError("stage 1 must be one 512-byte sector ending in 55 aa")
    if len(stage2) > lay["IMG_STAGE2_MAX"] * sector:
        raise ImageError(f"stage 2 is {len(stage2)} bytes; at most "
                         f"{lay['IMG_STAGE2_MAX'] * sector} fit")
    if kernel[:4] != ELF_MAGIC or kernel[4] != 2:
        raise ImageError("kernel is not a 64-bit ELF file")
    if len(kernel) > lay["IMG_KERNEL_MAX_BYTES"]:
        raise ImageError(f"kernel is {len(kernel)} bytes; the loader takes at "
                         f"most {lay['IMG_KERNEL_MAX_BYTES']}")
    if efi[:2] != PE_MAGIC:
        raise ImageError("the UEFI loader is not a PE/COFF (EFI) file")
    if load_span(kernel) > lay["IMG_KERNEL_MAX_BYTES"]:
        raise ImageError(f"kernel's segments span {load_span(kernel)} bytes in "
                         f"memory; the loader maps at most {lay['IMG_KERNEL_MAX_BYTES']}")


def gpt_tail_sectors(lay: dict) -> int:
    """Sectors the backup GPT takes at the end of the image."""
    entries = lay["IMG_GPT_ENTRIES"] * lay["IMG_GPT_ENTRY_SIZE"]
    return 1 + entries // lay["IMG_SECTOR_SIZE"]


def image_sectors(lay: dict, files: list) -> int:
    """The smallest whole-MiB image whose ESP holds files."""
    align = lay["IMG_ALIGN_SECTORS"]
    need = fat_clusters_needed(files)
    total = -(-lay["IMG_ESP_LBA"] // align) * align
    while True:
        total += align
        esp = total - gpt_tail_sectors(lay) - lay["IMG_ESP_LBA"]
        if fat_geometry(esp, lay["IMG_ESP_RESERVED"])[0] >= need:
            return total


def identity(*parts: bytes) -> uuid.UUID:
    """A GUID derived from the inputs: the same inputs give the same image."""
    digest = hashlib.sha256(b"".join(parts)).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def partition_image(lay: dict, image: bytearray, esp_last: int,
                    seed: bytes) -> None:
    """The hybrid MBR's records and the GPT, written into image."""
    esp = lay["IMG_ESP_LBA"]
    records = (mbr_entry(False, MBR_TYPE_PROTECTIVE, 1, PROTECTIVE_END_LBA)
               + mbr_entry(True, MBR_TYPE_ESP, esp, esp_last - esp + 1))
    image[MBR_PARTITION_TABLE:MBR_PARTITION_TABLE + len(records)] = records
    esp_part = (ESP_TYPE_GUID, identity(b"partition", seed), esp, esp_last,
                ATTR_LEGACY_BIOS_BOOTABLE, ESP_NAME)
    gpt_write(image, identity(b"disk", seed), [esp_part],
              lay["IMG_GPT_ENTRIES_LBA"], lay["IMG_GPT_ENTRIES"])


def build(lay: dict, stage1: bytes, stage2: bytes, kernel: bytes, efi: bytes,
          cmdline: str) -> bytes:
    """Assemble the whole image in memory."""
    check_layout(lay)
    check_inputs(lay, stage1, stage2, kernel, efi)
    sector = lay["IMG_SECTOR_SIZE"]
    files = [(EFI_LOADER_PATH, efi), (KERNEL_PATH, kernel)]
    total = image_sectors(lay, files)
    image = bytearray(total * sector)
    image[0:sector] = stage1
    esp, gpt_tail = lay["IMG_ESP_LBA"], total - gpt_tail_sectors(lay)
    seed = hashlib.sha256(stage1 + stage2 + kernel + efi + cmdline.encode()).digest()
    volume, where = fat_volume(files, gpt_tail - esp, lay["IMG_ESP_RESERVED"], esp,
                              ESP_LABEL, int.from_bytes(seed[:4], "little"))
    image[esp * sector:esp * sector + len(volume)] = volume
    header = header_sector(lay, esp + where[KERNEL_PATH], len(kernel), cmdline)
    hdr_off = lay["IMG_HEADER_LBA"] * sector
    image[hdr_off:hdr_off + sector] = header
    s2_off = lay["IMG_STAGE2_LBA"] * sector
    image[s2_off:s2_off + len(stage2)] = stage2
    partition_image(lay, image, gpt_tail - 1, seed)
    return bytes(image)


def write_atomically(path: str, data: bytes) -> None:
    """Write data to path through a temporary file in the same directory."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".mkimage-")
    except OSError as e:
        raise ImageError(f"cannot write {path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def parse_args(argv: list) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--layout", required=True, help="boot/image.h")
    p.add_argument("--stage1", required=True, help="boot sector (512 bytes)")
    p.add_argument("--stage2", required=True, help="second stage binary")
    p.add_argument("--kernel", required=True, help="kernel ELF file")
    p.add_argument("--efi", required=True,
                   help="UEFI loader (PE32+ EFI application), stored as "
                        + EFI_LOADER_PATH)
    p.add_argument("--cmdline", default="", help="built-in command line")
    p.add_argument("-o", "--output", required=True, help="image to write")
    return p.parse_args(argv)


def main(argv: list) -> int:
    """Entry point."""
    args = parse_args(argv)
    try:
        lay = read_layout(args.layout)
        image = build(lay, read_file(args.stage1, "stage 1"),
                      read_file(args.stage2, "stage 2"),
                      read_file(args.kernel, "kernel"),
                      read_file(args.efi, "UEFI loader"), args.cmdline)
        write_atomically(args.output, image)
    except (ImageError, OSError) as e:
        print(f"mkimage: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
