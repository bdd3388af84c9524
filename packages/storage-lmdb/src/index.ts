// Public API of @raftkv/storage-lmdb.
export {};
