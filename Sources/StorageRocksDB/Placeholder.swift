// Filled in by the StorageRocksDB work.
