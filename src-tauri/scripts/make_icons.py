#!/usr/bin/env python3
"""Writes the placeholder app icons (RGBA PNGs) into src-tauri/icons/.

Standard library only (zlib + struct), so it runs anywhere python3 does. The icon is a dark-blue
rounded square with three white ledger lines and a bright "check" block: a stand-in until a real
icon is drawn. Run from anywhere: python3 src-tauri/scripts/make_icons.py
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "icons")

BG = (31, 78, 140)      # #1f4e8c
FG = (255, 255, 255)
ACCENT = (255, 196, 61)  # #ffc43d


def pixel(x, y, n):
    """Colour of pixel (x, y) of an n×n icon, drawn on a 64-unit grid."""
    u, v = (x + 0.5) * 64 / n, (y + 0.5) * 64 / n
    # rounded square, corner radius 12, 2-unit margin
    r, lo, hi = 12, 2, 62
    cx = min(max(u, lo + r), hi - r)
    cy = min(max(v, lo + r), hi - r)
    if (u - cx) ** 2 + (v - cy) ** 2 > r * r or not (lo <= u <= hi and lo <= v <= hi):
        return (0, 0, 0, 0)
    # three ledger lines
    for top in (16, 28, 40):
        if 14 <= u <= 50 and top <= v <= top + 6:
            return FG + (255,)
    # accent block bottom-right
    if 38 <= u <= 50 and 50 <= v <= 56:
        return ACCENT + (255,)
    return BG + (255,)


def png(n):
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y, n)) for x in range(n)) for y in range(n)
    )

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", n, n, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, n in (("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(png(n))
        print(os.path.normpath(os.path.join(OUT, name)), n)


if __name__ == "__main__":
    main()
