// The typed errors of a member's storage (the write-ahead log here, and the LMDB store that
// re-exports them). Each names the file it concerns; none is thrown for a programmer error (those
// are assert() failures) and none is ever caught by the storage itself.

/** An environment failure of the storage at `file` (a WAL segment or data.mdb). The node should crash-stop. */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';

  constructor(
    readonly file: string,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}

/** The file holds bytes that fail a checksum, do not decode, or break the log's shape. Never auto-repaired. */
export class StorageCorruptionError extends StorageError {
  override readonly name = 'StorageCorruptionError';
}

/** The file was written in a format version this build does not know. */
export class StorageFormatVersionError extends StorageError {
  override readonly name = 'StorageFormatVersionError';

  constructor(
    file: string,
    readonly foundVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      file,
      `format version ${foundVersion} is not supported (this build reads version ${supportedVersion}); refusing to open`,
    );
  }
}

/**
 * A write did not fit: the LMDB map (mapSizeBytes) is full, one transaction touched more pages than
 * LMDB allows, or the disk refused a write-ahead-log append. Everything committed or synced before it
 * is intact.
 */
export class StorageFullError extends StorageError {
  override readonly name = 'StorageFullError';

  constructor(
    file: string,
    readonly operation: string,
    /** 'disk-full': the file system refused a write (ENOSPC) to the write-ahead log or data.mdb. */
    readonly reason: 'map-full' | 'transaction-full' | 'disk-full',
    readonly mapSizeBytes: number,
    options?: { readonly cause?: unknown },
  ) {
    super(
      file,
      reason === 'map-full'
        ? `${operation} refused: the LMDB map is full (mapSizeBytes ${mapSizeBytes}); nothing was written. ` +
            'Restart with a larger mapSizeBytes.'
        : reason === 'disk-full'
          ? `${operation} refused: the disk is full; everything synced before it is kept (an incomplete ` +
            'last append is discarded when the log is opened again). Free space before writing again.'
          : `${operation} refused: the transaction touches more pages than LMDB allows in one transaction; ` +
            'nothing was written.',
      options,
    );
  }
}

/** This process already has the directory open; a second environment on it would break single-writer. */
export class StorageInUseError extends StorageError {
  override readonly name = 'StorageInUseError';
}

/** A key LMDB cannot store: empty, or longer than lmdbKeyBytesMax (511 bytes, LMDB's compiled limit). */
export class StorageKeyError extends StorageError {
  override readonly name = 'StorageKeyError';

  constructor(
    file: string,
    readonly keyBytes: number,
    readonly keyBytesMax: number,
  ) {
    super(file, `a key of ${keyBytes} bytes cannot be stored (LMDB keys are 1..${keyBytesMax} bytes)`);
  }
}
