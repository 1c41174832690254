#if CPU_AB_STANDALONE
// Entry point of the standalone build only (EdgeAnomaly.Bench has its own).
return EdgeAnomaly.Bench.Detection.CpuAb.DetectorCpuAb.Run(args);
#endif
