/*
 * The smallest well-formed ISO BMFF file: `ftyp` then `moov` holding only `mvhd` (tracks are optional in the
 * format). It carries the video's duration, so a test can see which duration the simulator settled on; it has
 * no samples, so players show nothing, which is fine for download and storage paths.
 */

function box(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length, 0);
  header.write(type, 4, 'ascii');
  return Buffer.concat([header, payload]);
}

const TIMESCALE = 1000;

export function buildMp4(durationSeconds: number): Buffer {
  const ftyp = box(
    'ftyp',
    Buffer.concat([Buffer.from('isom', 'ascii'), uint32(0x200), Buffer.from('isomiso2mp41', 'ascii')]),
  );
  const mvhd = Buffer.alloc(100);
  let o = 0;
  o = mvhd.writeUInt32BE(0, o); // version 0, flags 0
  o = mvhd.writeUInt32BE(0, o); // creation time
  o = mvhd.writeUInt32BE(0, o); // modification time
  o = mvhd.writeUInt32BE(TIMESCALE, o);
  o = mvhd.writeUInt32BE(Math.round(durationSeconds * TIMESCALE), o);
  o = mvhd.writeUInt32BE(0x00010000, o); // rate 1.0
  o = mvhd.writeUInt16BE(0x0100, o); // volume 1.0
  o += 2 + 8; // reserved
  for (const m of [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000]) o = mvhd.writeUInt32BE(m, o); // identity matrix
  o += 24; // pre_defined
  mvhd.writeUInt32BE(1, o); // next track id
  return Buffer.concat([ftyp, box('moov', box('mvhd', mvhd))]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
