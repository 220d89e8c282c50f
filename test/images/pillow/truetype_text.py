# FreeType through Pillow (PIL._imagingft): DejaVu Sans (the font file is in the working
# directory) at several sizes (hinted, as Pillow renders), one glyph at 600 px (the smooth
# rasterizer's cell pool, 16 KiB, overflows: it longjmps and renders in smaller bands), anchors,
# stroke, multiline text and a rotated string. Prints text extents and digests of the rendered bitmaps, for comparison with a
# native run (Debian's Pillow 9.4.0 on Debian's FreeType 2.12.1). Basic layout: the native
# Pillow also has libraqm, which the sandbox's has not.
import hashlib
from PIL import Image, ImageDraw, ImageFont, features

BASIC = ImageFont.Layout.BASIC
print("freetype", features.version("freetype2"))
for size in (9, 12, 24, 48):
    font = ImageFont.truetype("DejaVuSans.ttf", size, layout_engine=BASIC)
    text = "Sphinx of black quartz, judge my vow: 0123456789 ÆØÅ ñ € ∑√∞"
    bbox = font.getbbox(text)
    print(size, font.getname(), bbox, font.getlength(text), font.getmetrics())
    im = Image.new("L", (bbox[2] + 4, bbox[3] + 4), 0)
    ImageDraw.Draw(im).text((2, 2), text, font=font, fill=255)
    print(" bitmap", hashlib.sha256(im.tobytes()).hexdigest()[:16], sum(im.tobytes()))
    mask = font.getmask(text, mode="L")
    print(" mask", mask.size, hashlib.sha256(bytes(mask)).hexdigest()[:16])

huge = ImageFont.truetype("DejaVuSans.ttf", 600, layout_engine=BASIC).getmask("\u221e@", mode="L")
print("600 px", huge.size, hashlib.sha256(bytes(huge)).hexdigest()[:16], sum(bytes(huge)))

font = ImageFont.truetype("DejaVuSans.ttf", 20, layout_engine=BASIC)
im = Image.new("RGB", (320, 160), "white")
d = ImageDraw.Draw(im)
d.multiline_text((10, 10), "first line\nsecond, longer line\nthird", font=font, fill=(0, 0, 120), spacing=6, align="center")
d.text((300, 150), "anchored", font=font, anchor="rs", fill="red", stroke_width=2, stroke_fill="black")
print("multiline", d.multiline_textbbox((10, 10), "first line\nsecond, longer line\nthird", font=font, spacing=6))
print("canvas", hashlib.sha256(im.tobytes()).hexdigest()[:16])
rotated = ImageFont.TransposedFont(ImageFont.truetype("DejaVuSans.ttf", 20, layout_engine=BASIC), Image.Transpose.ROTATE_90)
mask = rotated.getmask("vertical")
print("rotated", mask.size, hashlib.sha256(bytes(mask)).hexdigest()[:16])
bold = ImageFont.truetype("DejaVuSans.ttf", 30, layout_engine=BASIC)
print("face", bold.font.family, bold.font.style, bold.font.glyphs, bold.font.ascent, bold.font.descent)
