// Reads a process's CPU time (utime + stime from /proc/<pid>/stat), its resident set size (VmRSS from
// /proc/<pid>/status) and the machine's CPU pressure (/proc/pressure/cpu, PSI). Linux only; anything
// unreadable reads as null, never a throw.
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime; 100 on every Linux architecture Node supports. */
const clockTicksPerSecond = 100;

/** CPU seconds used so far (user + system), or null when the process cannot be read. */
export function cpuSeconds(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces; fields after its closing parenthesis are plain.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return (utime + stime) / clockTicksPerSecond;
}

/** Resident set size in MiB, or null when the process cannot be read. */
export function rssMebibytes(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return match === null ? null : Number(match[1]) / 1024;
}

/** Microseconds so far in which some runnable task waited for a CPU (PSI "some" total), or null. */
export function cpuPressureStallMicros(): number | null {
  let text: string;
  try {
    text = readFileSync('/proc/pressure/cpu', 'utf8');
  } catch {
    return null;
  }
  const match = /^some .*total=(\d+)$/m.exec(text);
  return match === null ? null : Number(match[1]);
}
