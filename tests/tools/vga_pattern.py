#!/usr/bin/env python3
"""The pictures tests/guests/vga_modes.asm draws, computed independently.

  vga_pattern.py MODE OUT.ppm          write the picture of MODE as a P6 PPM
  vga_pattern.py --check MODE IN.ppm   exit 0 when IN is exactly that picture,
                                       else say how many pixels differ

MODE: m13h (320x200, DAC index (x + 2y) & 255), modx (320x240, x ^ y),
m12h (640x480x16: ((x >> 3) + (y >> 3)) & 15, 15 on the diagonal), vbe4
(1024x768x32: R = x, G = y, B = x + y). DAC entry i is (i & 63, 3i & 63,
7i & 63) in 6 bits, widened to 8 as the VGA's DAC does (v << 2 | v >> 4).
Rows are built with bytes slicing and translate, not a pixel at a time:
the emulated host runs this on a software CPU.
"""
import sys

SEQ = bytes(range(256)) * 5


def interleave(w, h, r, g, b):
    px = bytearray(3 * w * h)
    px[0::3], px[1::3], px[2::3] = r, g, b
    return bytes(px)


def through_dac(idx, w, h):
    def channel(k):
        return bytes(((k * i & 63) << 2 | (k * i & 63) >> 4) for i in range(256))
    return interleave(w, h, idx.translate(channel(1)), idx.translate(channel(3)),
                      idx.translate(channel(7)))


def picture(mode):
    if mode == 'm13h':
        w, h = 320, 200
        idx = b''.join(SEQ[2 * y & 255:(2 * y & 255) + w] for y in range(h))
        return w, h, through_dac(idx, w, h)
    if mode == 'modx':
        w, h = 320, 240
        rows = []
        for y in range(h):
            row = bytes(i ^ (y & 255) for i in range(256))
            rows.append(row + row[:w - 256])
        return w, h, through_dac(b''.join(rows), w, h)
    if mode == 'm12h':
        w, h = 640, 480
        bands = [bytes(((x >> 3) + k) & 15 for x in range(w)) for k in range(h >> 3)]
        idx = bytearray(b''.join(bands[y >> 3] for y in range(h)))
        for y in range(min(w, h)):
            idx[y * w + y] = 15
        return w, h, through_dac(bytes(idx), w, h)
    if mode == 'vbe4':
        w, h = 1024, 768
        r = SEQ[:w] * h
        g = b''.join(bytes([y & 255]) * w for y in range(h))
        b = b''.join(SEQ[y & 255:(y & 255) + w] for y in range(h))
        return w, h, interleave(w, h, r, g, b)
    sys.exit('unknown mode %r (m13h, modx, m12h, vbe4)' % mode)


def load(path):
    parts = open(path, 'rb').read().split(maxsplit=4)
    if len(parts) < 5 or parts[0] != b'P6':
        sys.exit('%s: not a P6 PPM' % path)
    w, h = int(parts[1]), int(parts[2])
    return w, h, parts[4][:w * h * 3]


def main(argv):
    if len(argv) == 4 and argv[1] == '--check':
        w, h, want = picture(argv[2])
        gw, gh, got = load(argv[3])
        if (gw, gh) != (w, h):
            print('size %dx%d, not %dx%d' % (gw, gh, w, h))
            return 1
        if got == want:
            return 0
        bad = [i // 3 for i in range(0, len(want), 3) if got[i:i + 3] != want[i:i + 3]]
        print('%d pixels differ, first at (%d,%d)' % (len(bad), bad[0] % w, bad[0] // w))
        return 1
    if len(argv) == 3:
        w, h, px = picture(argv[1])
        with open(argv[2], 'wb') as f:
            f.write(b'P6\n%d %d\n255\n' % (w, h) + px)
        return 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
