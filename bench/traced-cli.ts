/**
 * The installed command with the benchmark's trace hook (bench/trace-hook.ts) in it, bundled by `npm run
 * build` as dist/bench/bin/sshplay-traced.js the way dist/bin/sshplay.js is: the fleet sections time what a
 * user runs (one bundled file, not the compiled module tree) and still record each host's requests for the
 * floors. The hook is evaluated first, so SshConnection is wrapped before the command connects anywhere; it
 * records only with SSHPLAY_BENCH_TRACE set.
 */
import './trace-hook.js';
import '../src/cli/main.js';
