using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatKit.Packaging.Tests;

/// <summary>
/// The five packages as a host app gets them: packed from this build into a local feed, checked for what a package
/// must carry, then installed by package (not by project) into a fresh web app that is built, started and used.
/// </summary>
public sealed class PackageTests(PackedFeed feed) : IClassFixture<PackedFeed>
{
    [Theory]
    [InlineData("ChatKit.Core")]
    [InlineData("ChatKit.AspNetCore")]
    [InlineData("ChatKit.Storage.EfCore")]
    [InlineData("ChatKit.Storage.Mongo")]
    [InlineData("ChatKit.Scaleout.Redis")]
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
        Assert.DoesNotContain(aspNetCore, d => d.Id.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        foreach (var adapter in new[] { "ChatKit.AspNetCore", "ChatKit.Storage.EfCore", "ChatKit.Storage.Mongo" })
        {
            Assert.Contains(Dependencies(adapter), d => d.Id == "ChatKit.Core" && d.Version == feed.Version);
        }

        Assert.Contains(Dependencies("ChatKit.Scaleout.Redis"), d => d.Id == "ChatKit.AspNetCore" && d.Version == feed.Version);

        Assert.Contains(Dependencies("ChatKit.Storage.EfCore"), d => d.Id == "Microsoft.EntityFrameworkCore.Relational");
        Assert.Contains(Dependencies("ChatKit.Storage.Mongo"), d => d.Id == "MongoDB.Driver");
        Assert.Contains(Dependencies("ChatKit.Scaleout.Redis"), d => d.Id == "Microsoft.AspNetCore.SignalR.StackExchangeRedis");
    }

    [Fact]
    public async Task FreshWebApp_InstallingThePackages_ServesChat()
    {
        await feed.EnsurePackedAsync();
        var app = Directory.CreateTempSubdirectory("chatkit-smoke-app-").FullName;
        try
        {
            await WriteAppAsync(app);
            var stopwatch = Stopwatch.StartNew();
            var (exit, output) = await Processes.RunAsync("dotnet", ["build", "-c", "Release", "--nologo"], app, TimeSpan.FromMinutes(5));
            Assert.True(exit == 0, $"the fresh app did not build:\n{output}");
            var buildTime = stopwatch.Elapsed;

            var port = FreePort();
            using var server = Processes.Start("dotnet", [Path.Combine(app, "bin", "Release", "net10.0", "SmokeApp.dll"), "--urls", $"http://127.0.0.1:{port}"], app);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Add("X-Demo-User", "alice");
            await server.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));

            using var created = await http.PostAsJsonAsync("/chats/conversations", new { type = "direct", participantIds = new[] { "bob" } });
            var conversation = await created.Content.ReadFromJsonAsync<JsonElement>();
            var id = conversation.GetProperty("id").GetString();
            await using var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(http.BaseAddress, "/chat"), o => o.Headers["X-Demo-User"] = "alice")
                .Build();
            await hub.StartAsync();
            var ack = await hub.InvokeAsync<JsonElement>("sendMessage", new { conversationId = id, content = "hello from a package" });
            var history = await http.GetFromJsonAsync<JsonElement>($"/chats/conversations/{id}/messages");
            using var anonymous = await new HttpClient().GetAsync(new Uri(http.BaseAddress, "/chats/conversations"));

            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(1, ack.GetProperty("seq").GetInt64());
            Assert.Equal("hello from a package", history.GetProperty("items")[0].GetProperty("content").GetString());
            Assert.Equal(1, history.GetProperty("items")[0].GetProperty("seq").GetInt64());
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.True(File.Exists(Path.Combine(app, "chat.db")), "the SQLite file was not created");
            TestContext.Current.SendDiagnosticMessage($"fresh app restored and built from the packages in {buildTime.TotalSeconds:F0} s");
        }
        finally
        {
            try
            {
                Directory.Delete(app, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    private async Task WriteAppAsync(string app)
    {
        // Outside the repository nothing of ChatKit's build applies; these empty files make sure of it.
        await File.WriteAllTextAsync(Path.Combine(app, "Directory.Build.props"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(app, "Directory.Build.targets"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(app, "Directory.Packages.props"), "<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>");
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="chatkit-local" value="{feed.Folder}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "SmokeApp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NoWarn>$(NoWarn);NU1603</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ChatKit.AspNetCore" Version="{feed.Version}" />
                <PackageReference Include="ChatKit.Storage.EfCore" Version="{feed.Version}" />
                <PackageReference Include="Microsoft.EntityFrameworkCore.Sqlite" Version="{CentralVersion("Microsoft.EntityFrameworkCore.Sqlite")}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using System.Security.Claims;
            using System.Text.Encodings.Web;
            using Microsoft.AspNetCore.Authentication;
            using Microsoft.EntityFrameworkCore;
            using Microsoft.Extensions.Options;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddAuthentication("Demo").AddScheme<AuthenticationSchemeOptions, DemoAuthentication>("Demo", null);
            builder.Services.AddAuthorization();
            builder.Services.AddChatKit().UseEntityFrameworkCore(o => o.UseSqlite("Data Source=chat.db"));

            var app = builder.Build();
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapChatKit();
            app.Run();

            // Trusts an X-Demo-User header: only for this test; a real app uses its own sign-in.
            sealed class DemoAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
                : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
            {
                protected override Task<AuthenticateResult> HandleAuthenticateAsync()
                {
                    var user = Request.Headers["X-Demo-User"].ToString();
                    if (user.Length == 0)
                    {
                        return Task.FromResult(AuthenticateResult.NoResult());
                    }

                    var identity = new ClaimsIdentity([new Claim("sub", user), new Claim("name", user)], "Demo");
                    return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Demo")));
                }
            }
            """);
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

    private static string CentralVersion(string id) =>
        XDocument.Load(RepositoryFiles.PathOf("Directory.Packages.props")).Descendants()
            .Single(e => e.Name.LocalName == "PackageVersion" && e.Attribute("Include")?.Value == id).Attribute("Version")!.Value;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Packs the five packages once per test class, from the assemblies already built (<c>--no-build</c>), with a version
/// of their own so no cached package of an earlier run is ever used.
/// </summary>
public sealed class PackedFeed : IAsyncDisposable
{
    public static readonly string[] Packages = ["ChatKit.Core", "ChatKit.AspNetCore", "ChatKit.Storage.EfCore", "ChatKit.Storage.Mongo", "ChatKit.Scaleout.Redis"];

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
