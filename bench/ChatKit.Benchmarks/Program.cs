Console.WriteLine("ChatKit benchmarks: see docs/benchmarks.md");
