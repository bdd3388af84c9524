// nodeFileSystem: the write-ahead log's file-system port on node:fs, for raftkvd and the tests. The
// only module of @raftkv/wal that touches the real file system.
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import type { FileDescriptor, FileSystem } from './file-system.js';

export const nodeFileSystem: FileSystem = {
  exists: (path) => existsSync(path),
  makeDirectory: (path) => {
    mkdirSync(path, { recursive: true });
  },
  listDirectory: (path) => readdirSync(path),
  readFile: (path) => readFileSync(path),
  open: (path, mode): FileDescriptor => openSync(path, mode),
  write: (descriptor, bytes, offset, length, position) =>
    writeSync(descriptor, bytes, offset, length, position),
  syncData: (descriptor) => fdatasyncSync(descriptor),
  sync: (descriptor) => fsyncSync(descriptor),
  truncate: (descriptor, length) => ftruncateSync(descriptor, length),
  close: (descriptor) => closeSync(descriptor),
  rename: (from, to) => renameSync(from, to),
  remove: (path) => rmSync(path, { force: true }),
  syncDirectory: (path) => {
    const descriptor = openSync(path, 'r');
    try {
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
  },
};
