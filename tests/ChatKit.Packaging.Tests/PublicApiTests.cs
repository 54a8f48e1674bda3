using System.Reflection;
using PublicApiGenerator;

namespace ChatKit.Packaging.Tests;

/// <summary>
/// Each package's public surface, approved in PublicApi/&lt;assembly&gt;.approved.txt. A change to it fails here until
/// the new surface is approved on purpose: rerun with CHATKIT_APPROVE_API=1, then review and commit the file's diff.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies =>
    [
        "ChatKit.Core",
        "ChatKit.AspNetCore",
        "ChatKit.Storage.EfCore",
        "ChatKit.Storage.Mongo",
        "ChatKit.Scaleout.Redis",
        "ChatKit.Client",
        "ChatKit.Blobs.S3",
        "ChatKit.Notifications.WebPush",
        "ChatKit.Notifications.Fcm",
    ];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void PublicApi_IsTheApprovedOne(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var actual = Normalize(assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            IncludeAssemblyAttributes = false,
            // ChatKit's registration methods live in Microsoft.* namespaces on purpose (AddChatKit, MapChatKit, UseRedis…),
            // which the generator leaves out unless told otherwise.
            AllowNamespacePrefixes = ["Microsoft"],
        }));
        var folder = RepositoryFiles.PathOf("tests", "ChatKit.Packaging.Tests", "PublicApi");
        var approvedPath = Path.Combine(folder, assemblyName + ".approved.txt");
        var receivedPath = Path.Combine(folder, assemblyName + ".received.txt");

        if (Environment.GetEnvironmentVariable("CHATKIT_APPROVE_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
        }

        var approved = File.Exists(approvedPath) ? Normalize(File.ReadAllText(approvedPath)) : "";
        if (approved == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        Assert.Fail(
            $"The public API of {assemblyName} changed. Compare {receivedPath} with {approvedPath}; if the change is " +
            "intended, rerun the tests with CHATKIT_APPROVE_API=1 and commit the approved file.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd() + "\n";
}
