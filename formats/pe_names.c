/* pe_names.c - PE/COFF numbers to names and sizes.
 *
 * Machine names follow the ELF reader's spelling ("x86-64", "AArch64", "i386", "ARM") so that
 * reports and budgets group the same architecture under one name whatever the format. The
 * machine list doubles as the COFF object probe's whitelist: an object has no magic, so a
 * known machine value is the first thing that must hold. */
#include "pe_internal.h"

static const struct {
    uint16_t machine;
    uint8_t bits;
    const char *name;
} machines[] = {
    {0x014c, 32, "i386"},
    {0x8664, 64, "x86-64"},
    {0xaa64, 64, "AArch64"},
    {0xa641, 64, "AArch64"}, /* ARM64EC */
    {0xa64e, 64, "AArch64"}, /* ARM64X */
    {0x01c0, 32, "ARM"},
    {0x01c2, 32, "ARM"},     /* Thumb */
    {0x01c4, 32, "ARM"},     /* ARMNT (Thumb-2) */
    {0x0200, 64, "IA-64"},
    {0x5032, 32, "RISC-V"},
    {0x5064, 64, "RISC-V"},
    {0x6232, 32, "LoongArch"},
    {0x6264, 64, "LoongArch"},
    {0x0ebc, 64, "EFI byte code"},
};

const char *pe_machine_name(uint16_t machine)
{
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
        if (machines[i].machine == machine)
            return machines[i].name;
    return NULL;
}

unsigned pe_machine_bits(uint16_t machine)
{
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
        if (machines[i].machine == machine)
            return machines[i].bits;
    return 32;
}

/* Only the widths matter to segscan (the BSS analysis needs the bytes a relocation writes);
 * types not listed write 4 bytes on every machine we know. */
uint32_t pe_coff_reloc_size(uint16_t machine, uint16_t type)
{
    if (type == 0) /* IMAGE_REL_*_ABSOLUTE on every machine: no-op */
        return 0;
    switch (machine) {
    case 0x8664:
        if (type == 0x1) /* ADDR64 */
            return 8;
        if (type == 0xA) /* SECTION */
            return 2;
        if (type == 0xC) /* SECREL7 */
            return 1;
        if (type == 0xF) /* PAIR: carries data for the previous entry */
            return 0;
        return 4;
    case 0x014c:
        if (type == 0x1 || type == 0x2 || type == 0xA) /* DIR16, REL16, SECTION */
            return 2;
        if (type == 0xD) /* SECREL7 */
            return 1;
        return 4;
    case 0xaa64:
    case 0xa641:
    case 0xa64e:
        if (type == 0xE) /* ADDR64 */
            return 8;
        if (type == 0xD) /* SECTION */
            return 2;
        return 4;
    case 0x01c0:
    case 0x01c2:
    case 0x01c4:
        if (type == 0xE) /* SECTION */
            return 2;
        if (type == 0x10 || type == 0x11) /* MOV32, THUMB_MOV32: a movw/movt pair */
            return 8;
        if (type == 0x16) /* PAIR */
            return 0;
        return 4;
    default:
        return 4;
    }
}

uint32_t pe_base_reloc_size(unsigned type, unsigned ptr_bytes)
{
    switch (type) {
    case 0: return 0; /* ABSOLUTE: padding to a 4-byte block size */
    case 1:           /* HIGH */
    case 2:           /* LOW */
    case 4: return 2; /* HIGHADJ */
    case 3: return 4; /* HIGHLOW */
    case 5:           /* ARM_MOV32 */
    case 7: return 8; /* THUMB_MOV32 */
    case 10: return 8; /* DIR64 */
    default: return ptr_bytes;
    }
}
