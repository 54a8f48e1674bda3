using BenchmarkDotNet.Attributes;
using ChatKit.Internal;

namespace ChatKit.Benchmarks.Micro;

/// <summary>ContentNormalizer.Normalize, run on every message sent.</summary>
public class ContentNormalizerBenchmarks
{
    private static readonly Dictionary<string, string> Inputs = new(StringComparer.Ordinal)
    {
        ["plain-40"] = "Are we still on for lunch today at noon?",
        ["padded-40"] = "   Are we still on for lunch today?  \n ",
        ["controls-40"] = "Are we\r\n still on\u0007 for lunch\u001b today?",
        ["plain-4000"] = Repeat("The quick brown fox jumps over the lazy dog. ", 4000),
        ["controls-4000"] = Repeat("The quick brown fox\r\n jumps over the lazy dog.\u0000", 4000),
    };

    private string _input = "";

    [Params("plain-40", "padded-40", "controls-40", "plain-4000", "controls-4000")]
    public string Case { get; set; } = "plain-40";

    [GlobalSetup]
    public void Setup() => _input = Inputs[Case];

    [Benchmark]
    public string Normalize() => ContentNormalizer.Normalize(_input);

    private static string Repeat(string text, int length) =>
        string.Concat(Enumerable.Repeat(text, (length / text.Length) + 1))[..length];
}
