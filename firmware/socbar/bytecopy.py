"""Copy bytes between buffers without allocating: the decoders' gathering and resync steps.

On MicroPython a slice (of bytes, bytearray or memoryview) is a new heap
object, so the decoders cannot write ``buf[a:b] = data[c:d]`` per frame. A
viper loop copies in place instead; ``copy_py`` is the portable version it is
tested against (and what CPython uses).
"""


def copy_py(dst, dst_at, src, src_at, n):
    """``dst[dst_at:dst_at + n] = src[src_at:src_at + n]``, one byte at a time."""
    for k in range(n):
        dst[dst_at + k] = src[src_at + k]


copy = copy_py

try:
    import micropython

    @micropython.viper
    def _copy_viper(dst: ptr8, dst_at: int, src: ptr8, src_at: int, n: int):
        k = 0
        while k < n:
            dst[dst_at + k] = src[src_at + k]
            k += 1

    def copy(dst, dst_at, src, src_at, n):  # noqa: F811
        """``dst[dst_at:dst_at + n] = src[src_at:src_at + n]`` (viper)."""
        _copy_viper(dst, dst_at, src, src_at, n)

except (ImportError, AttributeError, SyntaxError):  # CPython, or a port built without viper
    pass


def drop_until(buf, start, n, sync):
    """Drop ``buf[0:start]`` and the bytes after it up to the next ``sync``; move the rest of
    ``buf[0:n]`` to the front and return its length (0 when no ``sync`` follows)."""
    j = buf.find(sync, start, n)
    if j < 0:
        return 0
    n -= j
    copy(buf, 0, buf, j, n)  # forward, so the overlap is safe
    return n
