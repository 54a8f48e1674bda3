using System.Net;
using System.Net.Sockets;
using System.Xml.Linq;

namespace ChatKit.Packaging.Tests;

/// <summary>
/// A new <c>dotnet new web</c> (or console) project outside the repository, with a Program.cs and package references
/// taken from the docs, restored from the packed feed and this machine's NuGet cache (offline once the cache holds the
/// Microsoft packages), built and run as its own process.
/// </summary>
internal sealed class FreshApp : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);
    private readonly string _root;
    private readonly List<RunningProcess> _running = [];

    private FreshApp(string root, string name)
    {
        _root = root;
        Name = name;
        Folder = Path.Combine(root, name);
    }

    public string Name { get; }

    /// <summary>The project's folder.</summary>
    public string Folder { get; }

    /// <summary>
    /// Creates the project with <c>dotnet new {template}</c>, replaces its Program.cs and references the packages with the
    /// versions the docs name (ChatKit's own packages get the packed feed's version).
    /// </summary>
    public static async Task<FreshApp> CreateAsync(PackedFeed feed, string name, string program, IReadOnlyList<DocsPackage> packages, string template = "web")
    {
        var app = new FreshApp(Directory.CreateTempSubdirectory("chatkit-docs-app-").FullName, name);
        try
        {
            // Outside the repository nothing of ChatKit's build applies; these files make sure of it.
            await File.WriteAllTextAsync(Path.Combine(app._root, "Directory.Build.props"), "<Project />");
            await File.WriteAllTextAsync(Path.Combine(app._root, "Directory.Build.targets"), "<Project />");
            await File.WriteAllTextAsync(Path.Combine(app._root, "Directory.Packages.props"), "<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>");
            // The packed feed, and this machine's NuGet cache as a feed: packages of an exact version already in the
            // cache restore without any network. The machine's own sources stay, for a package the cache lacks on a
            // new machine (a console client needs SignalR packages that the ASP.NET Core framework otherwise provides).
            await File.WriteAllTextAsync(Path.Combine(app._root, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="chatkit-local" value="{feed.Folder}" />
                    <add key="machine-cache" value="{GlobalPackagesFolder()}" />
                  </packageSources>
                </configuration>
                """);
            await app.RunAsync("dotnet", ["new", template, "-o", name, "--no-restore"], app._root);
            await File.WriteAllTextAsync(Path.Combine(app.Folder, "Program.cs"), program);

            var projectPath = Path.Combine(app.Folder, name + ".csproj");
            var project = XDocument.Load(projectPath);
            var references = new XElement("ItemGroup");
            foreach (var package in packages)
            {
                var version = package.Id.StartsWith("ChatKit.", StringComparison.Ordinal) ? feed.Version : package.Version;
                references.Add(new XElement("PackageReference", new XAttribute("Include", package.Id), new XAttribute("Version", version!)));
            }

            project.Root!.Add(references);
            project.Save(projectPath);
            return app;
        }
        catch
        {
            app.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command in the project's folder and returns its output; fails the test when it fails.</summary>
    public Task<string> RunAsync(string file, IReadOnlyList<string> arguments) => RunAsync(file, arguments, Folder);

    /// <summary>Restores (offline) and builds the project in Release.</summary>
    public Task<string> BuildAsync() => RunAsync("dotnet", ["build", "-c", "Release", "--nologo"]);

    /// <summary>Runs the built program to its end and returns its exit code and output.</summary>
    public Task<(int ExitCode, string Output)> RunBuiltAsync(IReadOnlyList<string> arguments) =>
        Processes.RunAsync("dotnet", [Path.Combine(Folder, "bin", "Release", "net10.0", Name + ".dll"), .. arguments], Folder, TimeSpan.FromMinutes(1));

    /// <summary>Starts the built app on a free loopback port and waits until it has started.</summary>
    public async Task<(RunningProcess Process, Uri Address)> StartAsync(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var process = Processes.Start(
            "dotnet",
            [Path.Combine(Folder, "bin", "Release", "net10.0", Name + ".dll"), "--urls", address.ToString(), .. arguments],
            Folder,
            environment);
        _running.Add(process);
        await process.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));
        return (process, address);
    }

    public void Dispose()
    {
        foreach (var process in _running)
        {
            process.Dispose();
        }

        // dotnet user-jwts keeps its signing key in the user's secrets store: remove this app's.
        var projectPath = Path.Combine(Folder, Name + ".csproj");
        if (File.Exists(projectPath)
            && XDocument.Load(projectPath).Descendants().FirstOrDefault(e => e.Name.LocalName == "UserSecretsId")?.Value is { Length: > 0 } secretsId)
        {
            var secrets = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "Microsoft", "UserSecrets", secretsId);
            var unixSecrets = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets", secretsId);
            foreach (var folder in new[] { secrets, unixSecrets }.Where(Directory.Exists))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private async Task<string> RunAsync(string file, IReadOnlyList<string> arguments, string directory)
    {
        var (exit, output) = await Processes.RunAsync(file, arguments, directory, CommandTimeout);
        Assert.True(exit == 0, $"{file} {string.Join(' ', arguments)} failed in {directory}:\n{output}");
        return output;
    }

    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A <c>dotnet add package</c> line of the docs: the package and the version it names, if any.</summary>
internal sealed record DocsPackage(string Id, string? Version);
