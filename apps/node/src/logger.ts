// raftkvd's structured log: pino, one JSON line per event, written synchronously so the lines before a
// crash-stop or exit are never lost. Messages are worded the same way every time ("n1 became leader at
// term 3"); the fields carry the same facts for machines. Configuration only, no event wording here.
import { pino } from 'pino';
import type { LogLevel } from './config.js';

export type Logger = pino.Logger;

export function createLogger(level: LogLevel, destination: number | string = 1): Logger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: destination, sync: true }),
  );
}
