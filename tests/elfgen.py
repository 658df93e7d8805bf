"""elfgen.py - small ELF files built byte by byte for the tests (no compiler, no fixture)."""
import struct


def elf_object(path, data, objects, section=b".rodata", flags=2, names=None):
    """An ELF relocatable object holding data in one section (read-only data by default; flags
    3 for writable .data) and an object symbol per (offset, size), named "o" or names[i]."""
    size = len(data)
    names = names or [b"o"] * len(objects)
    strtab, at = b"\0", {}  # each name stored once
    for nm in names:
        if nm not in at:
            at[nm] = len(strtab)
            strtab += nm + b"\0"
    syms = bytes(24) + b"".join(struct.pack("<IBBHQQ", at[nm], 0x11, 0, 1, o, n)
                                for nm, (o, n) in zip(names, objects))
    shstr = b"\0" + section + b"\0.symtab\0.strtab\0.shstrtab\0"
    k = len(section) + 2  # where ".symtab" starts in shstr
    data_off = 64
    sym_off = data_off + size
    str_off = sym_off + len(syms)
    shs_off = str_off + len(strtab)
    shoff = (shs_off + len(shstr) + 7) & ~7
    sh = [bytes(64),
          struct.pack("<IIQQQQIIQQ", 1, 1, flags, 0, data_off, size, 0, 0, 16, 0),
          struct.pack("<IIQQQQIIQQ", k, 2, 0, 0, sym_off, len(syms), 3, 1, 8, 24),
          struct.pack("<IIQQQQIIQQ", k + 8, 3, 0, 0, str_off, len(strtab), 0, 0, 1, 0),
          struct.pack("<IIQQQQIIQQ", k + 16, 3, 0, 0, shs_off, len(shstr), 0, 0, 1, 0)]
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, len(sh), 4)
    with open(path, "wb") as f:
        f.write(eh + data + syms + strtab + shstr + bytes(shoff - shs_off - len(shstr)) +
                b"".join(sh))
