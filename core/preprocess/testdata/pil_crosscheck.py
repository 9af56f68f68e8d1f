# pil_crosscheck.py — writes Pillow's results on real photos for TestPILCrossCheck (pil_crosscheck_test.go).
# Usage (Debian's python3-pil; 9.4.0 was used):
#   /usr/bin/python3 core/preprocess/testdata/pil_crosscheck.py ../shared/data /tmp/pilx
#   GRAFT_PIL_DIR=/tmp/pilx go test -run TestPILCrossCheck -v ./core/preprocess
# For each photo: src<i>.png (PIL's decode, converted to RGB, saved losslessly so both sides
# start from identical pixels), dec<i>.raw (the same pixels, raw RGB), near<i>.raw (Keras'
# load_img path: resize((224, 224), NEAREST)), crop<i>.raw (resize((224, 224), BILINEAR,
# box=centre square) — Pillow's version of our Crop mode, in 8-bit fixed point).
import glob, os, sys
from PIL import Image

root, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
files = (sorted(glob.glob(root + '/imagenet-samples/images/*.JPEG'))[:6]
         + sorted(glob.glob(root + '/cats-vs-dogs/train/cats/*.jpg'))[:4]
         + sorted(glob.glob(root + '/resnet50-caffe-partial/test/*.jpg')))
with open(os.path.join(out, 'list.txt'), 'w') as listing:
    for i, f in enumerate(files):
        rgb = Image.open(f).convert('RGB')
        rgb.save(os.path.join(out, 'src%d.png' % i))
        open(os.path.join(out, 'dec%d.raw' % i), 'wb').write(rgb.tobytes())
        open(os.path.join(out, 'near%d.raw' % i), 'wb').write(rgb.resize((224, 224), Image.NEAREST).tobytes())
        w, h = rgb.size
        side = min(w, h)
        x0, y0 = (w - side) / 2, (h - side) / 2
        crop = rgb.resize((224, 224), Image.BILINEAR, box=(x0, y0, x0 + side, y0 + side))
        open(os.path.join(out, 'crop%d.raw' % i), 'wb').write(crop.tobytes())
        listing.write('%d %s\n' % (i, f))
