/**
 * Draws a presence check's code as a PNG: digits from a 5×7 bitmap font, each scaled, shifted and
 * sheared at random, over noise and a few lines. The point is that the answer carries no text a
 * script could read back, so only what the screen shows can confirm the check (a determined
 * attacker with OCR is outside this threat model: the check asks for a person's attention, it
 * is not a proof of identity; docs/credit.md). About 2 kB per image (grey, one byte a pixel).
 */
import { PNG } from 'pngjs';

const GLYPHS: Record<string, string[]> = {
  '0': ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
  '1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  '2': ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
  '3': ['11110', '00001', '00001', '01110', '00001', '00001', '11110'],
  '4': ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
  '5': ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
  '6': ['00110', '01000', '10000', '11110', '10001', '10001', '01110'],
  '7': ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
  '8': ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
  '9': ['01110', '10001', '10001', '01111', '00001', '00010', '01100'],
};

const WIDTH = 200;
const HEIGHT = 72;

export function presenceImage(code: string, random: () => number = Math.random): Buffer {
  const png = new PNG({ width: WIDTH, height: HEIGHT, colorType: 2 });
  const set = (x: number, y: number, r: number, g: number, b: number) => {
    if (x < 0 || y < 0 || x >= WIDTH || y >= HEIGHT) return;
    const i = (Math.floor(y) * WIDTH + Math.floor(x)) * 4;
    png.data[i] = r;
    png.data[i + 1] = g;
    png.data[i + 2] = b;
    png.data[i + 3] = 255;
  };
  for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < WIDTH; x++) {
    set(x, y, 244, 244, 244);
  }
  // noise: speckles in mid grey, which the digits' dark strokes stay distinct from
  for (let n = 0; n < (WIDTH * HEIGHT) / 40; n++) {
    const v = 150 + Math.floor(random() * 70);
    set(random() * WIDTH, random() * HEIGHT, v, v, v);
  }
  const digits = [...code];
  const cell = WIDTH / (digits.length + 1);
  digits.forEach((digit, index) => {
    const glyph = GLYPHS[digit] ?? GLYPHS['0']!;
    const scale = 6 + random() * 2;
    const shear = (random() - 0.5) * 0.5;
    const left = cell * (index + 0.5) + (random() - 0.5) * 8;
    const top = (HEIGHT - 7 * scale) / 2 + (random() - 0.5) * 10;
    const ink = [20 + Math.floor(random() * 60), 20 + Math.floor(random() * 50), 60 + Math.floor(random() * 80)] as const;
    for (let row = 0; row < 7; row++) for (let col = 0; col < 5; col++) {
      if (glyph[row]![col] !== '1') continue;
      for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) {
        const y = top + row * scale + dy;
        const x = left + col * scale + dx + shear * (y - HEIGHT / 2);
        set(x, y, ink[0], ink[1], ink[2]);
      }
    }
  });
  // a few thin lines across
  for (let l = 0; l < 3; l++) {
    let y = random() * HEIGHT;
    const slope = (random() - 0.5) * 0.6;
    const v = 90 + Math.floor(random() * 60);
    for (let x = 0; x < WIDTH; x++, y += slope) set(x, y, v, v, v + 30);
  }
  return PNG.sync.write(png, { colorType: 0, inputColorType: 6, bitDepth: 8 });
}
