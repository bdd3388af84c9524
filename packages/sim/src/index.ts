// Public API of @raftkv/sim.
export {};
