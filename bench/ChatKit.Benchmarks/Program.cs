using ChatKit.Benchmarks.FanOut;
using ChatKit.Benchmarks.Load;
using ChatKit.Benchmarks.Micro;
using ChatKit.Benchmarks.Servers;

// ./build.sh bench [load] [options]   the load harness (default: the quick profile), see docs/benchmarks.md
// ./build.sh bench micro [BenchmarkDotNet options]
// ./build.sh bench fanout [--nodes 2,3] [--rooms 10,100,1000]   Redis cost per message over several nodes
// server --kind …                     a server the harness starts as a child process (not for direct use)
if (int.TryParse(Environment.GetEnvironmentVariable("CHATKIT_BENCH_MINTHREADS"), out var minThreads))
{
    ThreadPool.SetMinThreads(minThreads, minThreads);
}

return args.FirstOrDefault() switch
{
    "micro" => MicroMain.Run(args[1..]),
    "fanout" => await FanOutMain.RunAsync(args[1..]),
    "server" => await ServerMain.RunAsync(args[1..]),
    "-h" or "--help" or "help" => Help(),
    _ => await LoadMain.RunAsync(args),
};

static int Help()
{
    Console.WriteLine("""
        ChatKit benchmarks (docs/benchmarks.md)
          ./build.sh bench                      quick load run (a few minutes): S1-S5, ChatKit vs the bare SignalR baseline
          ./build.sh bench --full               the documented run (bigger fleets, finer rate ladders)
          ./build.sh bench --scenarios s1,s4    only some scenarios (s1 pairs, s2 rooms, s3 durable, s4 idle, s5 reconnect storm)
            --connections N  --rooms 10,100,1000  --durable-rooms 10  --idle 1000,5000  --step-seconds S
            --max-steps K  --factor F  --refine R  --storm-rate R  --servers chatkit,chatkit-sqlite
            --repeats N (run the reference rate N more times per server: median and spread of p50/p99 and the p99 ratio)
            --servers chatkit,chatkit-messagepack,baseline-messagepack (MessagePack clients and servers, next to JSON)
            --client raw (the ladders' clients speak SignalR's JSON protocol over bare WebSockets: a lighter load generator)
            --servers chatkit,chatkit-rawclient,baseline-rawclient (the same servers driven by the light client, in the same run)
            --baseline-fanout groups|users  --no-pin  --server-cpus 0  --client-cpus 1  --no-postgres  --out DIR
            --warmup-seconds S (each server's warm-up before the ladder, at half its first rate; default min(step, 6) s)
            --reference OTHER/ChatKit.Benchmarks.dll  (another build's durable ChatKit servers in the same ladder: --servers chatkit-postgres,chatkit-postgres-ref)
          ./build.sh bench micro                BenchmarkDotNet microbenchmarks (content normalisation, send path, serialisation)
          ./build.sh bench micro --filter '*Normalize*'   any BenchmarkDotNet option
          ./build.sh bench fanout               Redis commands, PUBLISHes and CPU per message over 2 and 3 nodes
            --nodes 2,3  --rooms 10,100,1000  --deliveries 100000  --out DIR
        """);
    return 0;
}
