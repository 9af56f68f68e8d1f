# pil_fixtures.py — writes the WebP fixtures (golang.org/x/image has a WebP decoder but no encoder)
# from pattern.png, which the Go tests write (go test -run TestWriteFixtures -update).
# Run in core/preprocess/testdata with Debian's Pillow (python3-pil 9.4.0, libwebp 1.2.4 was used):
#   /usr/bin/python3 pil_fixtures.py
from PIL import Image

im = Image.open("pattern.png").convert("RGB")
im.save("pattern_lossless.webp", lossless=True)
im.save("pattern_lossy.webp", quality=95)
