import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The bytes of `file`, or undefined when it holds more than `limit` (then no more than `limit` + 1 were read).
 * A stat cannot bound what a read returns: a pipe or a device (`/dev/stdin`, `/dev/zero`, a FIFO) says size 0,
 * and a file may grow after its stat. Synchronous: the callers read one file at a time.
 */
export function readAtMost(file: string, limit: number): Buffer | undefined {
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - size));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      size += n;
      if (size > limit) return undefined;
    }
    return Buffer.concat(chunks, size);
  } finally {
    closeSync(fd);
  }
}
