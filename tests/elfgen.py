"""elfgen.py - small ELF files built byte by byte for the tests (no compiler, no fixture)."""
import struct


def elf_object(path, rodata, objects):
    """An ELF relocatable object holding rodata and an object symbol per (offset, size)."""
    size = len(rodata)
    syms = bytes(24) + b"".join(struct.pack("<IBBHQQ", 1, 0x11, 0, 1, o, n) for o, n in objects)
    strtab = b"\0o\0"
    shstr = b"\0.rodata\0.symtab\0.strtab\0.shstrtab\0"
    ro_off = 64
    sym_off = ro_off + size
    str_off = sym_off + len(syms)
    shs_off = str_off + len(strtab)
    shoff = (shs_off + len(shstr) + 7) & ~7
    sh = [bytes(64),
          struct.pack("<IIQQQQIIQQ", 1, 1, 2, 0, ro_off, size, 0, 0, 16, 0),
          struct.pack("<IIQQQQIIQQ", 9, 2, 0, 0, sym_off, len(syms), 3, 1, 8, 24),
          struct.pack("<IIQQQQIIQQ", 17, 3, 0, 0, str_off, len(strtab), 0, 0, 1, 0),
          struct.pack("<IIQQQQIIQQ", 25, 3, 0, 0, shs_off, len(shstr), 0, 0, 1, 0)]
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, len(sh), 4)
    with open(path, "wb") as f:
        f.write(eh + rodata + syms + strtab + shstr + bytes(shoff - shs_off - len(shstr)) +
                b"".join(sh))
