# pil_nearest.py — writes pil_nearest_indices.txt: for each (in, out) pair, the source column that
# Pillow's Image.resize(..., NEAREST) picks for each output column. This is the independent reference
# for nearest.go (Keras' load_img(target_size=...) resizes with PIL NEAREST).
#
# Run with Debian's Pillow (python3-pil 9.4.0 was used):  /usr/bin/python3 pil_nearest.py > pil_nearest_indices.txt
# Each source pixel of an in×1 RGB image encodes its own column (R = x & 255, G = x >> 8), so reading
# the resized row back gives the sampled columns.
import PIL
from PIL import Image

PAIRS = [
    (500, 224), (375, 224), (80, 224), (224, 224), (225, 224), (64, 224), (448, 224),
    (1000, 224), (3, 224), (299, 224), (4032, 224), (3024, 224), (7, 3), (1, 224), (96, 224),
    (192, 224), (320, 224), (2, 1),
]

print("# Pillow %s Image.resize((out, 1), Image.NEAREST) on an in x 1 RGB image; line: in out idx..." % PIL.__version__)
for n_in, n_out in PAIRS:
    im = Image.new("RGB", (n_in, 1))
    im.putdata([(x & 255, x >> 8, 0) for x in range(n_in)])
    out = im.resize((n_out, 1), Image.NEAREST)
    idx = [r | (g << 8) for (r, g, b) in out.getdata()]
    print(n_in, n_out, " ".join(str(i) for i in idx))
