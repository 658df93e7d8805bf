"""limits.py - the memory bound every hostile-input test puts on segscan (issue 7).

    from limits import bounded
    subprocess.run([segscan, ...], preexec_fn=bounded(segscan), ...)

bounded() returns a function that caps the child's address space (RLIMIT_AS) at MEM_LIMIT, or
None for a sanitizer build: AddressSanitizer reserves terabytes of address space up front, so
there the sanitizer's own checks take the place of the limit. A sanitizer build is recognised
by the runtime it links (gcc's libasan, or clang's statically linked __asan_init)."""
import functools
import resource
import subprocess

MEM_LIMIT = 4 << 30  # far above the arena caps (64 MiB + 8 bytes per input byte)


@functools.lru_cache(maxsize=8)
def sanitized(binary):
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    if "libasan" in ldd:
        return True
    nm = subprocess.run(["nm", binary], capture_output=True, text=True).stdout
    return "__asan_init" in nm


def _limit():
    resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT, MEM_LIMIT))


def bounded(binary):
    return None if sanitized(binary) else _limit
