import zlib from 'node:zlib';

/*
 * Independent readers for the simulator's PNG and MP4 output, written from the format specs rather than from
 * the simulator's encoder, so a bug in the encoder cannot hide in a shared helper.
 */

export interface PngChunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export const PNG_MAGIC = Buffer.from('89504e470d0a1a0a', 'hex');

export function readPng(bytes: Buffer): {
  width: number;
  height: number;
  colourType: number;
  chunks: PngChunk[];
  pixels: Buffer;
} {
  if (!bytes.subarray(0, 8).equals(PNG_MAGIC)) throw new Error('not a PNG signature');
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('ascii', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    const crc = bytes.readUInt32BE(offset + 8 + length);
    chunks.push({ type, data, crcOk: crc === crc32(bytes.subarray(offset + 4, offset + 8 + length)) });
    offset += 12 + length;
  }
  const ihdr = chunks.find((c) => c.type === 'IHDR');
  if (ihdr === undefined) throw new Error('no IHDR');
  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  return {
    width: ihdr.data.readUInt32BE(0),
    height: ihdr.data.readUInt32BE(4),
    colourType: ihdr.data[9] as number,
    chunks,
    pixels: zlib.inflateSync(idat),
  };
}

export interface Mp4Box {
  type: string;
  payload: Buffer;
}

export function readBoxes(bytes: Buffer): Mp4Box[] {
  const boxes: Mp4Box[] = [];
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    const size = bytes.readUInt32BE(offset);
    if (size < 8 || offset + size > bytes.length) throw new Error(`bad box size ${size} at ${offset}`);
    boxes.push({
      type: bytes.toString('ascii', offset + 4, offset + 8),
      payload: bytes.subarray(offset + 8, offset + size),
    });
    offset += size;
  }
  if (offset !== bytes.length) throw new Error('trailing bytes after the last box');
  return boxes;
}

/** Duration in seconds from a version-0 mvhd. */
export function mvhdDurationSeconds(mvhd: Buffer): number {
  const timescale = mvhd.readUInt32BE(12);
  return mvhd.readUInt32BE(16) / timescale;
}
