# Pillow's JPEG codecs (libjpeg-turbo 2.1.5): encoding at several qualities and subsamplings,
# progressive and optimized Huffman tables, decoding (full size and scaled by draft), and a broken
# stream (libjpeg's error exits reach Pillow by longjmp). Prints digests of the JPEG bytes and of
# the decoded pixels, for comparison with a native run (Debian's Pillow on Debian's libjpeg-turbo).
import hashlib, io
from PIL import Image, ImageDraw, ImageFilter, features


def digest(b):
    return hashlib.sha256(b).hexdigest()[:16]


print("jpg", features.check("jpg"), features.version("jpg"))
im = Image.new("RGB", (200, 150), (240, 240, 230))
d = ImageDraw.Draw(im)
for i in range(0, 200, 10):
    d.line([(i, 0), (200 - i, 150)], fill=(i, 255 - i, (i * 7) % 256), width=2)
d.ellipse((40, 30, 160, 120), fill=(200, 40, 40))
im = im.filter(ImageFilter.GaussianBlur(1))

encoded = {}
for name, opts in [("q75", {}), ("q95", {"quality": 95}), ("q30-444", {"quality": 30, "subsampling": 0}),
                   ("q85-422", {"quality": 85, "subsampling": 1}), ("progressive", {"progressive": True}),
                   ("optimize", {"optimize": True}), ("gray", {"quality": 80})]:
    src = im.convert("L") if name == "gray" else im
    buf = io.BytesIO()
    src.save(buf, "JPEG", **opts)
    encoded[name] = buf.getvalue()
    back = Image.open(io.BytesIO(encoded[name]))
    back.load()
    print(name, len(encoded[name]), digest(encoded[name]), back.mode, back.size, digest(back.tobytes()))

draft = Image.open(io.BytesIO(encoded["q95"]))
print("draft", draft.draft("RGB", (50, 38)), end=" ")
draft.load()
print(draft.size, digest(draft.tobytes()))
cmyk = io.BytesIO()
im.convert("CMYK").save(cmyk, "JPEG")
print("cmyk", len(cmyk.getvalue()), digest(Image.open(cmyk).convert("RGB").tobytes()))

truncated = encoded["q75"][: len(encoded["q75"]) // 2] + b"\xff\xd9"
t = Image.open(io.BytesIO(truncated))
t.load()  # libjpeg warns (premature end of data) and fills the rest
print("truncated", digest(t.tobytes()))
# A Huffman table whose code counts add up to more than 256: libjpeg's error exit, which Pillow's
# decoder catches with setjmp (Pillow only skips over DHT segments itself).
data = bytearray(encoded["q75"])
dht = data.index(b"\xff\xc4")
data[dht + 5:dht + 21] = b"\xff" * 16
try:
    Image.open(io.BytesIO(bytes(data))).load()
    print("bogus table: loaded")
except OSError as e:
    print("bogus table:", type(e).__name__, e)
try:
    Image.open(io.BytesIO(b"\xff\xd8\xff\xdb\x00\x05garbage")).load()
except Exception as e:
    print("garbage:", type(e).__name__)
