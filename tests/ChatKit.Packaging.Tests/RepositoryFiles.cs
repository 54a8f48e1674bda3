namespace ChatKit.Packaging.Tests;

/// <summary>Finds files of the repository these tests were built from.</summary>
internal static class RepositoryFiles
{
    /// <summary>The folder holding ChatKit.sln, found by walking up from the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration (Debug or Release) this test assembly, and so the projects it references, was built in.</summary>
    public static string Configuration { get; } =
        typeof(RepositoryFiles).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ChatKit.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"ChatKit.sln not found above {AppContext.BaseDirectory}");
    }
}
