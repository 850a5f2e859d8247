/**
 * The controller's memory through a run, for the benchmark's stats file: the peak of the process's resident
 * size says how much memory a run needs, but not what holds it. Sampling V8's live heap and the memory
 * outside it (Buffers, native crypto state) beside the resident size tells a leak in sshplay's own data
 * (heap grows with the fleet) from memory the allocator keeps after churn (resident grows, heap does not).
 */
export interface MemoryPeaks {
  /** Highest V8 heap in use seen, in KiB. */
  heapUsedKb: number;
  /** Highest memory V8 accounts outside its heap (Buffers and other native allocations), in KiB. */
  externalKb: number;
  /** Highest resident size seen by the sampler, in KiB (the kernel's maxRSS is the true peak). */
  rssKb: number;
  /** Samples taken. */
  samples: number;
}

/** Samples memory every `everyMs` until stopped; never keeps the process alive. */
export function sampleMemoryPeaks(everyMs = 200): { stop(): MemoryPeaks } {
  const peaks: MemoryPeaks = { heapUsedKb: 0, externalKb: 0, rssKb: 0, samples: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peaks.heapUsedKb = Math.max(peaks.heapUsedKb, Math.round(m.heapUsed / 1024));
    peaks.externalKb = Math.max(peaks.externalKb, Math.round(m.external / 1024));
    peaks.rssKb = Math.max(peaks.rssKb, Math.round(m.rss / 1024));
    peaks.samples++;
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
