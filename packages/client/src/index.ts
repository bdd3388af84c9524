// Public API of @raftkv/client.
export {};
