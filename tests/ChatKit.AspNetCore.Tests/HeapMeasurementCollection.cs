namespace ChatKit.AspNetCore.Tests;

/// <summary>
/// Tests that assert how much the managed heap grew: they share the test process with everything else, so they run in
/// this collection, after the parallel ones and one at a time, where no other test's allocations count against them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurementCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Heap measurements";
}
