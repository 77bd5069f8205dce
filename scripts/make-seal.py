#!/usr/bin/env python3
"""Draws the demo templates' sample seal (公章): a red ring, the issuing
office's name arched along the top, a five-pointed star, and the seal's
purpose across the bottom, in the bundled Noto Serif SC Bold.

    python3 -m pip install pillow
    python3 scripts/make-seal.py            # writes print-templates/*/seal.png

The university is fictional (示范大学); a real office replaces seal.png with
the scan its own rules allow. Drawn four times larger, then scaled down, so
the edges are smooth at the 32 mm the templates print it.
"""
import math
import os

from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FONT = os.path.join(ROOT, "assets", "fonts", "NotoSerifSC-Bold.ttf")

SIZE = 320          # the PNG, pixels square (32 mm: 254 dpi)
SCALE = 4           # supersampling
RED = (206, 22, 30, 235)
ARC = "示范大学教务处"
BOTTOM = "证明专用章"
TEMPLATES = ["enrollment-certificate", "transcript-zh", "transcript-en"]


def star(draw, cx, cy, r, fill):
    """A five-pointed star, one point up."""
    pts = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + radius * math.cos(a), cy + radius * math.sin(a)))
    draw.polygon(pts, fill=fill)


def glyph(ch, font, fill):
    """One character on its own transparent tile, centred."""
    box = font.getbbox(ch)
    w, h = box[2] - box[0], box[3] - box[1]
    side = int(max(w, h) * 1.6)
    tile = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text(((side - w) / 2 - box[0], (side - h) / 2 - box[1]), ch, font=font, fill=fill)
    return tile


def seal():
    n = SIZE * SCALE
    c = n / 2
    img = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    ring = n * 0.035
    outer = n * 0.47
    d.ellipse((c - outer, c - outer, c + outer, c + outer), outline=RED, width=int(ring))

    # The name, arched over 220°, each character upright to the circle.
    font = ImageFont.truetype(FONT, int(n * 0.135))
    radius = outer - ring - n * 0.085
    span = math.radians(220)
    first = -math.pi / 2 - span / 2
    step = span / (len(ARC) - 1)
    for i, ch in enumerate(ARC):
        a = first + i * step
        tile = glyph(ch, font, RED).rotate(-math.degrees(a) - 90, resample=Image.BICUBIC)
        x = c + radius * math.cos(a) - tile.width / 2
        y = c + radius * math.sin(a) - tile.height / 2
        img.alpha_composite(tile, (int(x), int(y)))

    star(d, c, c, n * 0.14, RED)

    small = ImageFont.truetype(FONT, int(n * 0.075))
    box = d.textbbox((0, 0), BOTTOM, font=small)
    w = box[2] - box[0]
    d.text((c - w / 2 - box[0], c + n * 0.2 - box[1]), BOTTOM, font=small, fill=RED)
    return img.resize((SIZE, SIZE), Image.LANCZOS)


def main():
    img = seal()
    for t in TEMPLATES:
        path = os.path.join(ROOT, "print-templates", t, "seal.png")
        img.save(path, optimize=True)
        print(path)


if __name__ == "__main__":
    main()
