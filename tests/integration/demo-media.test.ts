/** The demo recording is made on any machine: with a CJK font, and with no font at all. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeDemoSource } from '../../server/demo/media.ts';
import { probeFile } from '../../transcoder/probe.ts';
import { resolveFfmpegTools } from '../../transcoder/ffmpeg.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-demo-test-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('demo recording', () => {
  it('draws bars instead of text when the machine has no font file', async () => {
    const out = path.join(dir, 'nofont.mp4');
    const made = await makeDemoSource(out, { seconds: 4, width: 640, height: 360, slideSeconds: 2, fonts: { cjk: [], latin: [] } });
    expect(made).toEqual({ font: undefined, chinese: false });
    expect((await stat(out)).size).toBeGreaterThan(1000);
    const probe = await probeFile(resolveFfmpegTools(), out);
    expect(probe.durationSeconds).toBeGreaterThan(3.5);
    expect(probe.video?.width).toBe(640);
    expect(probe.audio).toBeDefined();
  });

  it('uses the default font lists otherwise', async () => {
    const out = path.join(dir, 'default.mp4');
    const made = await makeDemoSource(out, { seconds: 3, width: 640, height: 360 });
    expect((await stat(out)).size).toBeGreaterThan(1000);
    if (!made.font) console.warn('[demo-media] no font on this machine: only the bar variant ran');
  });
});
