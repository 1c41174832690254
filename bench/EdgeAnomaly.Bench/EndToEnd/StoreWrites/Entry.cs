#if STORE_WRITES_STANDALONE
// Entry point of the standalone build only (EdgeAnomaly.Bench has its own).
return EdgeAnomaly.Bench.EndToEnd.StoreWrites.StoreWritesHarness.Run(args);
#endif
