"""Copy bytes between buffers without allocating: the decoders' gathering step.

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
    def _copy_viper(dst: ptr8, dst_at: int, src: ptr8, src_at: int, n: int):  # noqa: F821
        k = 0
        while k < n:
            dst[dst_at + k] = src[src_at + k]
            k += 1

    def copy(dst, dst_at, src, src_at, n):  # noqa: F811
        """``dst[dst_at:dst_at + n] = src[src_at:src_at + n]`` (viper)."""
        _copy_viper(dst, dst_at, src, src_at, n)

except (ImportError, AttributeError, SyntaxError):  # CPython, or a port built without viper
    pass
