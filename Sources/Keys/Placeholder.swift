// Filled in by the Keys work.
