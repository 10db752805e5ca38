import { PNG_MAGIC, mvhdDurationSeconds, readBoxes, readPng } from '../../support/media-parsing';
import { download, image, itemsOf, start, stopAll, video } from './harness';

/*
 * The simulator's stand-in for the CDN: real, well-formed bytes behind the result URLs, so download and
 * storage paths run as they would on the real links (which expire, x-expires; not enforced here).
 */

afterEach(stopAll);

describe('result files', () => {
  it('serves well-formed PNGs and makes the same bytes for the same seed', async () => {
    const one = await start({ seed: 7 });
    const two = await start({ seed: 7 });
    const url = itemsOf(await image(one, 'b'))[0]!.url!;
    expect(url).toMatch(/x-expires=\d+/);
    const bytes = await download(url);
    expect(bytes.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    const png = readPng(bytes);
    expect(png.chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(png.chunks.every((c) => c.crcOk)).toBe(true);
    expect(png.colourType).toBe(2);
    expect(png.pixels.length).toBe(png.height * (1 + png.width * 3));
    expect(bytes.equals(await download(itemsOf(await image(two, 'b'))[0]!.url!))).toBe(true);
  });

  it('serves an ISO BMFF file whose mvhd carries the video duration, or base64 for b64_json', async () => {
    const sim = await start();
    const url = itemsOf(await video(sim, 's', { duration: 10 }))[0]!.url!;
    const boxes = readBoxes(await download(url));
    expect(boxes.map((b) => b.type)).toEqual(['ftyp', 'moov']);
    expect(boxes[0]!.payload.toString('ascii', 0, 4)).toBe('isom');
    expect(mvhdDurationSeconds(readBoxes(boxes[1]!.payload)[0]!.payload)).toBe(10);
    const b64 = itemsOf(await video(sim, 's', { response_format: 'b64_json' }))[0]!;
    expect(readBoxes(Buffer.from(b64.b64_json!, 'base64'))[0]!.type).toBe('ftyp');
    expect(b64.revised_prompt).toBe('waves');
  });

  it('answers 404 for an unknown file', async () => {
    const sim = await start();
    expect((await fetch(`${sim.url}/files/nothing.png`)).status).toBe(404);
  });
});
