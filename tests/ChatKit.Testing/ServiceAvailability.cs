namespace ChatKit.Testing;

/// <summary>
/// What a test does when a server it needs is missing: with <c>CI=true</c> it fails, because a skipped test proves
/// nothing; elsewhere it skips with a message that says how to get the server.
/// </summary>
public static class ServiceAvailability
{
    /// <summary>Whether the tests run in CI (<c>CI=true</c>), where a missing server is a failure.</summary>
    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips the current test (or fails it in CI) because a server is missing.</summary>
    /// <param name="message">What is missing and how to get it.</param>
    public static void Missing(string message)
    {
        if (IsCi)
        {
            Assert.Fail($"{message} (CI=true: a missing server is a failure)");
        }

        Assert.Skip(message);
    }
}
