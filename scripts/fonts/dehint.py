#!/usr/bin/env python3
"""Removes the TrueType hinting from the Noto Sans fonts in fonts/.

Hinting instructions only steer the rasteriser at screen sizes; on paper, and
in PDF viewers that ignore them, the outlines alone decide. Every PDF embeds a
subset of each font it uses, and the subset carried the fonts' hinting
programs (fpgm, prep, cvt: ~4 KB) and every glyph's instructions: about half of
a subset's bytes, compressed again for every letter and envelope.

The outlines, metrics, cmap, name and OpenType layout tables stay byte for
byte as Debian ships them (fonts-noto-core 20201225-1); glyf and loca are
rewritten without instructions, maxp says so, head keeps its dates.

Usage: pip install fonttools; python3 scripts/fonts/dehint.py (run once; it
rewrites the files in place and checks that every outline is unchanged).
"""
from pathlib import Path

from fontTools.ttLib import TTFont
from fontTools.ttLib.tables import ttProgram

FONTS = Path(__file__).resolve().parents[2] / "fonts"
NAMES = ["NotoSans-Regular", "NotoSans-Bold", "NotoSans-Italic", "NotoSans-BoldItalic",
         "NotoSansArabic-Regular", "NotoSansArabic-Bold",
         "NotoSansHebrew-Regular", "NotoSansHebrew-Bold"]
HINTING = ("fpgm", "prep", "cvt ", "hdmx", "LTSH", "VDMX")


def outlines(font):
    glyf = font["glyf"]
    out = {}
    for name in font.getGlyphOrder():
        g = glyf[name]
        if g.numberOfContours == 0:
            out[name] = None
        else:
            coords, ends, flags = g.getCoordinates(glyf)
            out[name] = (list(coords), list(ends), [f & 1 for f in flags])
    return out


def main():
    for name in NAMES:
        path = FONTS / f"{name}.ttf"
        font = TTFont(path, recalcTimestamp=False)
        if "fpgm" not in font and "prep" not in font:
            print(f"{path.name}: no hinting")
            continue
        before = outlines(font)
        # The signature covers the original bytes; it would be wrong after.
        for tag in HINTING + ("DSIG",):
            if tag in font:
                del font[tag]
        glyf = font["glyf"]
        for glyph in glyf.glyphs.values():
            glyph.expand(glyf)
            if hasattr(glyph, "program"):
                program = ttProgram.Program()
                program.fromBytecode(b"")
                glyph.program = program
        maxp = font["maxp"]
        maxp.maxZones = 1
        for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                      "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions"):
            setattr(maxp, field, 0)
        size = path.stat().st_size
        font.save(path)
        after = outlines(TTFont(path))
        assert after == before, f"{path.name}: outlines changed"
        print(f"{path.name}: {size} -> {path.stat().st_size} bytes, outlines unchanged")


if __name__ == "__main__":
    main()
