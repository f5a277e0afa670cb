// Filled in by the Storage work.
