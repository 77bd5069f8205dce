#!/usr/bin/env python3
"""Draws the demo university's emblem and seal as PNGs (no dependencies).

The pictures are placeholders a university replaces with its own artwork:
  logo.png  - navy emblem: double ring, book and star
  seal.png  - red registrar's seal: ring and five-pointed star, transparent
"""
import math, struct, zlib, os

def png(path, w, h, px):
    raw = b"".join(b"\x00" + bytes(px[y * w * 4:(y + 1) * w * 4]) for y in range(h))
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)

def star(cx, cy, r):
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.382
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts

def inside(poly, x, y):
    c = False
    for i in range(len(poly)):
        (x1, y1), (x2, y2) = poly[i], poly[i - 1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            c = not c
    return c

def draw(size, shape, color):
    ss = 3
    px = []
    for y in range(size):
        for x in range(size):
            hits = sum(shape((x + (i + .5) / ss) / size, (y + (j + .5) / ss) / size)
                       for i in range(ss) for j in range(ss))
            px += [*color, round(255 * hits / (ss * ss))]
    return px

def logo(u, v):
    d = math.hypot(u - .5, v - .5)
    if .44 < d < .48 or .38 < d < .40:
        return True
    if inside(star(.5, .36, .10), u, v):
        return True
    # an open book
    if .50 < v < .66 and .26 < u < .74 and abs(u - .5) > .015:
        edge = .50 + .04 * abs(u - .5) / .24
        return v > edge and not (.52 + .04 * abs(u - .5) / .24 < v < .64)
    return False

def seal(u, v):
    d = math.hypot(u - .5, v - .5)
    return .43 < d < .48 or inside(star(.5, .5, .17), u, v)

here = os.path.dirname(os.path.abspath(__file__))
png(os.path.join(here, "logo.png"), 160, 160, draw(160, logo, (0x1f, 0x3a, 0x68)))
png(os.path.join(here, "seal.png"), 240, 240, draw(240, seal, (0xd0, 0x1c, 0x1f)))
