import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Which of `pids` holds the TCP connection whose local end is `localPort` (Linux: /proc/net/tcp and tcp6 give
 * the socket's inode, /proc/<pid>/fd the process that has it open). A test that must stop exactly the process
 * whose request a server is holding learns the client's port from the server and asks here.
 */
export async function processOwningPort(localPort: number, pids: readonly number[]): Promise<number | null> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      if (local === undefined || inode === undefined || inode === '0') continue;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === localPort) inodes.add(inode);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && inodes.has(inode)) return pid;
    }
  }
  return null;
}
