# Pillow (PIL._imaging, PIL._imagingmath, PIL._imagingmorph): drawing, resampling, filters, mode
# conversions, channel and math operations, PNG encoding and decoding. Prints digests of the pixel
# data and of the PNG bytes (zlib's deflate), and a few values, for comparison with a native run.
import hashlib, io
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageMath, ImageMorph, ImageOps, ImageStat, features


def digest(b):
    return hashlib.sha256(b).hexdigest()[:16]


def show(name, im):
    print(name, im.mode, im.size, digest(im.tobytes()))


print("PIL", Image.__version__, "zlib", features.check("zlib"), "freetype2", features.check("freetype2"))
im = Image.new("RGB", (160, 120), (250, 248, 240))
d = ImageDraw.Draw(im)
d.rectangle((10, 10, 70, 50), fill=(200, 30, 30), outline=(0, 0, 0), width=3)
d.ellipse((60, 30, 150, 110), fill=(30, 120, 200, 128), outline=(20, 20, 20))
d.line([(0, 119), (80, 60), (159, 100)], fill=(20, 160, 60), width=5, joint="curve")
d.polygon([(100, 5), (150, 25), (120, 55)], fill=(240, 200, 0))
d.arc((5, 60, 65, 115), 30, 300, fill=(90, 0, 90), width=4)
d.pieslice((90, 60, 140, 110), 200, 340, fill=(0, 0, 0))
d.regular_polygon((40, 90, 18), 6, rotation=15, fill=(10, 200, 200))
show("drawn", im)

show("lanczos", im.resize((97, 61), Image.Resampling.LANCZOS))
show("bicubic", im.resize((230, 170), Image.Resampling.BICUBIC))
show("reduce", im.reduce(3))
show("rotate", im.rotate(33, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=(255, 255, 255)))
show("affine", im.transform((120, 120), Image.Transform.AFFINE, (1, 0.3, -5, 0.2, 1, -10), Image.Resampling.BICUBIC))
show("blur", im.filter(ImageFilter.GaussianBlur(2.5)))
show("boxblur", im.filter(ImageFilter.BoxBlur(3)))
show("unsharp", im.filter(ImageFilter.UnsharpMask(2, 150, 3)))
show("edges", im.filter(ImageFilter.FIND_EDGES))
show("median", im.filter(ImageFilter.MedianFilter(5)))
show("gray", im.convert("L"))
show("1bit", im.convert("1"))
show("quantize", im.quantize(16))
show("adaptive", im.convert("P", palette=Image.Palette.ADAPTIVE, colors=8))
show("cmyk", im.convert("CMYK"))
show("ycbcr", im.convert("YCbCr"))
show("autocontrast", ImageOps.autocontrast(im.convert("L"), cutoff=2))
show("equalize", ImageOps.equalize(im))
show("posterize", ImageOps.posterize(im, 3))
show("mirror", ImageOps.mirror(im).transpose(Image.Transpose.ROTATE_90))
r, g, b = im.split()
show("merge", Image.merge("RGB", (b, r, g)))
show("difference", ImageChops.difference(im, im.filter(ImageFilter.SMOOTH)))
show("math", ImageMath.eval("convert(a * 2 - b / 3, 'L')", a=r, b=g))
show("morph", ImageMorph.MorphOp(op_name="erosion8").apply(im.convert("L").point(lambda v: 255 if v > 128 else 0))[1])
print("bbox", ImageChops.invert(im.convert("L")).getbbox(), "extrema", im.getextrema())
print("colors", len(im.getcolors(10000)), "histogram", digest(bytes(str(im.histogram()), "ascii")))
print("stat", [round(x, 6) for x in ImageStat.Stat(im).mean])
print("pixel", im.getpixel((40, 30)), im.getpixel((100, 70)))

for mode in ("RGB", "RGBA", "L", "P", "1"):
    src = im.convert(mode) if mode != "P" else im.quantize(32)
    buf = io.BytesIO()
    src.save(buf, "PNG", optimize=False)
    data = buf.getvalue()
    back = Image.open(io.BytesIO(data))
    back.load()
    print("png", mode, len(data), digest(data), back.mode, back.tobytes() == src.tobytes())
buf = io.BytesIO()
im.save(buf, "PNG", compress_level=9, pnginfo=None)
print("png level 9", len(buf.getvalue()), digest(buf.getvalue()))
for fmt in ("BMP", "GIF", "PPM", "TGA", "ICO"):
    buf = io.BytesIO()
    im.save(buf, fmt)
    print(fmt.lower(), len(buf.getvalue()), digest(buf.getvalue()))
