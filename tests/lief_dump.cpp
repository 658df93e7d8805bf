// lief_dump.cpp - test-only oracle: prints what LIEF's C API reads from a PE or Mach-O file,
// one JSON object per line, for tests/pe_crosscheck.py and the Mach-O cross-check.
//
//   lief_dump pe FILE      {"kind":"pe", ...} then one {"kind":"section", ...} per section
//   lief_dump macho FILE   per binary (several for a universal file): {"kind":"macho", ...},
//                          its segments, and its sections (with the segment LIEF gives them,
//                          or null: LIEF 0.9's C API often gives none)
//
// Exit status: 0 parsed; 2 usage; 3 LIEF refused the file (returned NULL or threw). LIEF 0.9
// lets C++ exceptions escape its C API (a non-PE file, a COFF object, a truncated Mach-O), so
// the calls sit inside try/catch. It runs as a subprocess of the tests, so a crash inside LIEF
// (which no catch can stop) fails one comparison, not the test runner.
#include <cinttypes> // PRIu64
#include <cstdio>    // printf
#include <cstring>   // strcmp
#include <exception> // std::exception

#include <LIEF/MachO.h>
#include <LIEF/PE.h>

// JSON string escaping for names, which are untrusted bytes.
static void put_str(const char *s)
{
    std::putchar('"');
    for (const unsigned char *p = reinterpret_cast<const unsigned char *>(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            std::printf("\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            std::printf("\\u%04x", *p);
        else
            std::putchar(*p);
    }
    std::putchar('"');
}

static int dump_pe(const char *path)
{
    Pe_Binary_t *b = pe_parse(path);
    if (b == nullptr) {
        std::fprintf(stderr, "lief_dump: %s: LIEF could not parse it as PE\n", path);
        return 3;
    }
    std::printf("{\"kind\":\"pe\",\"machine\":%u,\"nsections\":%u,\"magic\":%u,\"imagebase\":%" PRIu64
                ",\"entry_rva\":%u,\"subsystem\":%u,\"dll_characteristics\":%u,\"characteristics\":%u}\n",
                static_cast<unsigned>(b->header.machine), b->header.numberof_sections,
                static_cast<unsigned>(b->optional_header.magic), b->optional_header.imagebase,
                b->optional_header.addressof_entrypoint,
                static_cast<unsigned>(b->optional_header.subsystem),
                b->optional_header.dll_characteristics, b->header.characteristics);
    for (unsigned i = 0; b->sections && b->sections[i]; i++) {
        const Pe_Section_t *s = b->sections[i];
        std::printf("{\"kind\":\"section\",\"index\":%u,\"name\":", i);
        put_str(s->name);
        std::printf(",\"virtual_address\":%" PRIu64 ",\"virtual_size\":%u,\"size\":%" PRIu64
                    ",\"offset\":%" PRIu64 ",\"characteristics\":%u}\n",
                    s->virtual_address, s->virtual_size, s->size, s->offset, s->characteristics);
    }
    pe_binary_destroy(b);
    return 0;
}

static void dump_macho_section(unsigned bin, const char *segment, const Macho_Section_t *s)
{
    std::printf("{\"kind\":\"section\",\"binary\":%u,\"segment\":", bin);
    if (segment)
        put_str(segment);
    else
        std::printf("null");
    std::printf(",\"name\":");
    put_str(s->name);
    std::printf(",\"addr\":%" PRIu64 ",\"size\":%" PRIu64 ",\"offset\":%" PRIu64
                ",\"align\":%u,\"flags\":%u,\"type\":%u}\n",
                s->virtual_address, s->size, s->offset, s->alignment, s->flags,
                static_cast<unsigned>(s->type));
}

static int dump_macho(const char *path)
{
    Macho_Binary_t **bins = macho_parse(path);
    if (bins == nullptr || bins[0] == nullptr) {
        std::fprintf(stderr, "lief_dump: %s: LIEF could not parse it as Mach-O\n", path);
        if (bins)
            macho_binaries_destroy(bins);
        return 3;
    }
    for (unsigned bi = 0; bins[bi]; bi++) {
        const Macho_Binary_t *b = bins[bi];
        std::printf("{\"kind\":\"macho\",\"binary\":%u,\"magic\":%u,\"cputype\":%u,\"cpusubtype\":%u"
                    ",\"filetype\":%u,\"ncmds\":%u,\"flags\":%u,\"imagebase\":%" PRIu64 "}\n",
                    bi, b->header.magic, static_cast<unsigned>(b->header.cpu_type),
                    b->header.cpu_subtype, static_cast<unsigned>(b->header.file_type),
                    b->header.nb_cmds, b->header.flags, b->imagebase);
        for (unsigned i = 0; b->segments && b->segments[i]; i++) {
            const Macho_Segment_t *g = b->segments[i];
            std::printf("{\"kind\":\"segment\",\"binary\":%u,\"index\":%u,\"name\":", bi, i);
            put_str(g->name);
            std::printf(",\"vmaddr\":%" PRIu64 ",\"vmsize\":%" PRIu64 ",\"fileoff\":%" PRIu64
                        ",\"filesize\":%" PRIu64 ",\"maxprot\":%u,\"initprot\":%u,\"nsects\":%u"
                        ",\"flags\":%u}\n",
                        g->virtual_address, g->virtual_size, g->file_offset, g->file_size,
                        g->max_protection, g->init_protection, g->numberof_sections, g->flags);
            for (unsigned k = 0; g->sections && g->sections[k]; k++)
                dump_macho_section(bi, g->name, g->sections[k]);
        }
        // Sections as the binary lists them; LIEF 0.9's C API gives these no segment.
        for (unsigned i = 0; b->sections && b->sections[i]; i++)
            dump_macho_section(bi, nullptr, b->sections[i]);
    }
    macho_binaries_destroy(bins);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (std::strcmp(argv[1], "pe") != 0 && std::strcmp(argv[1], "macho") != 0)) {
        std::fprintf(stderr, "usage: lief_dump pe|macho FILE\n");
        return 2;
    }
    try {
        return std::strcmp(argv[1], "pe") == 0 ? dump_pe(argv[2]) : dump_macho(argv[2]);
    } catch (const std::exception &e) {
        std::fflush(stdout);
        std::fprintf(stderr, "lief_dump: %s: LIEF threw: %s\n", argv[2], e.what());
        return 3;
    } catch (...) {
        std::fflush(stdout);
        std::fprintf(stderr, "lief_dump: %s: LIEF threw a non-standard exception\n", argv[2]);
        return 3;
    }
}
