using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;

[assembly: AssemblyFixture(typeof(ChatKit.Packaging.Tests.PackedFeed))]

namespace ChatKit.Packaging.Tests;

/// <summary>
/// The six packages as an app gets them: packed from this build into a local feed and checked for what a package
/// must carry. DocsProgramTests installs them by package (not by project) into fresh web apps that are built and used.
/// </summary>
public sealed class PackageTests(PackedFeed feed)
{
    [Theory]
    [InlineData("ChatKit.Core")]
    [InlineData("ChatKit.AspNetCore")]
    [InlineData("ChatKit.Storage.EfCore")]
    [InlineData("ChatKit.Storage.Mongo")]
    [InlineData("ChatKit.Scaleout.Redis")]
    [InlineData("ChatKit.Client")]
    [InlineData("ChatKit.Blobs.S3")]
    [InlineData("ChatKit.Notifications.WebPush")]
    [InlineData("ChatKit.Notifications.Fcm")]
    public async Task Package_CarriesReadmeDocsSymbolsLicenceAndRepository(string id)
    {
        await feed.EnsurePackedAsync();
        using var package = ZipFile.OpenRead(feed.PackagePath(id));
        var entries = package.Entries.Select(e => e.FullName).ToList();
        var nuspec = LoadNuspec(package);
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");

        Assert.Contains("README.md", entries);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);
        Assert.True(File.Exists(Path.ChangeExtension(feed.PackagePath(id), ".snupkg")), $"{id} has no symbol package");
        Assert.Equal("MIT", Value(metadata, "license"));
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        Assert.NotNull(metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "repository")?.Attribute("url"));
    }

    [Fact]
    public async Task Dependencies_CoreHasNoAspNetCore_AspNetCoreUsesTheSharedFramework_AdaptersDependOnChatKitOfTheSameVersion()
    {
        await feed.EnsurePackedAsync();

        var core = Dependencies("ChatKit.Core");
        var aspNetCore = Dependencies("ChatKit.AspNetCore");
        using var aspNetCorePackage = ZipFile.OpenRead(feed.PackagePath("ChatKit.AspNetCore"));
        var frameworkReferences = LoadNuspec(aspNetCorePackage).Descendants().Where(e => e.Name.LocalName == "frameworkReference")
            .Select(e => e.Attribute("name")!.Value);

        Assert.DoesNotContain(core, d => d.Id.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Contains("Microsoft.AspNetCore.App", frameworkReferences);
        // The shared framework, plus SignalR's MessagePack protocol (not part of it) for ChatKitServerOptions.EnableMessagePack.
        Assert.Equal(
            ["Microsoft.AspNetCore.SignalR.Protocols.MessagePack"],
            aspNetCore.Where(d => d.Id.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)).Select(d => d.Id));
        foreach (var adapter in new[] { "ChatKit.AspNetCore", "ChatKit.Storage.EfCore", "ChatKit.Storage.Mongo", "ChatKit.Blobs.S3", "ChatKit.Notifications.WebPush", "ChatKit.Notifications.Fcm" })
        {
            Assert.Contains(Dependencies(adapter), d => d.Id == "ChatKit.Core" && d.Version == feed.Version);
        }

        Assert.Contains(Dependencies("ChatKit.Scaleout.Redis"), d => d.Id == "ChatKit.AspNetCore" && d.Version == feed.Version);

        Assert.Contains(Dependencies("ChatKit.Storage.EfCore"), d => d.Id == "Microsoft.EntityFrameworkCore.Relational");
        Assert.Contains(Dependencies("ChatKit.Storage.Mongo"), d => d.Id == "MongoDB.Driver");
        Assert.Contains(Dependencies("ChatKit.Blobs.S3"), d => d.Id == "AWSSDK.S3");
        Assert.Contains(Dependencies("ChatKit.Notifications.WebPush"), d => d.Id == "Lib.Net.Http.WebPush");
        Assert.Contains(Dependencies("ChatKit.Notifications.Fcm"), d => d.Id == "Google.Apis.Auth");
        Assert.Contains(Dependencies("ChatKit.Scaleout.Redis"), d => d.Id == "Microsoft.AspNetCore.SignalR.StackExchangeRedis");

        // The client is written against the wire contract: SignalR's client, no server package, no shared framework.
        var client = Dependencies("ChatKit.Client");
        Assert.Contains(client, d => d.Id == "Microsoft.AspNetCore.SignalR.Client");
        Assert.DoesNotContain(client, d => d.Id.StartsWith("ChatKit.", StringComparison.Ordinal));
        using var clientPackage = ZipFile.OpenRead(feed.PackagePath("ChatKit.Client"));
        Assert.DoesNotContain(LoadNuspec(clientPackage).Descendants(), e => e.Name.LocalName == "frameworkReference");
    }

    private List<(string Id, string Version)> Dependencies(string id)
    {
        using var package = ZipFile.OpenRead(feed.PackagePath(id));
        return LoadNuspec(package).Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (e.Attribute("id")!.Value, e.Attribute("version")!.Value))
            .ToList();
    }

    private static XDocument LoadNuspec(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    private static string? Value(XElement metadata, string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
}

/// <summary>
/// Packs the six packages once per test run (an assembly fixture shared by every test class), from the assemblies already built (<c>--no-build</c>), with a version
/// of their own so no cached package of an earlier run is ever used.
/// </summary>
public sealed class PackedFeed : IAsyncDisposable
{
    public static readonly string[] Packages = ["ChatKit.Core", "ChatKit.AspNetCore", "ChatKit.Storage.EfCore", "ChatKit.Storage.Mongo", "ChatKit.Scaleout.Redis", "ChatKit.Client", "ChatKit.Blobs.S3", "ChatKit.Notifications.WebPush", "ChatKit.Notifications.Fcm"];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _packed;

    public string Folder { get; } = Directory.CreateTempSubdirectory("chatkit-feed-").FullName;

    public string Version { get; } = "0.1.0-smoke." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    public string PackagePath(string id) => Path.Combine(Folder, $"{id}.{Version}.nupkg");

    public async Task EnsurePackedAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_packed)
            {
                return;
            }

            foreach (var id in Packages)
            {
                var project = RepositoryFiles.PathOf("src", id, id + ".csproj");
                var (exit, output) = await Processes.RunAsync(
                    "dotnet",
                    ["pack", project, "-c", RepositoryFiles.Configuration, "--no-build", "--nologo", "-o", Folder, $"-p:Version={Version}"],
                    RepositoryFiles.Root,
                    TimeSpan.FromMinutes(2));
                Assert.True(exit == 0, $"dotnet pack {id} failed (build the solution in {RepositoryFiles.Configuration} first):\n{output}");
            }

            _packed = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }

        return ValueTask.CompletedTask;
    }
}
