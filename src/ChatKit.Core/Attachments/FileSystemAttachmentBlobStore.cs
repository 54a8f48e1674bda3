using Microsoft.Extensions.Options;

namespace ChatKit.Attachments;

/// <summary>
/// The default blob store: one file per blob in a folder (<see cref="ChatKitAttachmentOptions.FileSystemPath"/>).
/// ChatKit streams the bytes itself. For one node, or several sharing a network folder.
/// </summary>
public sealed class FileSystemAttachmentBlobStore : IAttachmentBlobStore
{
    private readonly string _root;

    /// <summary>Creates the store over the folder the options name (created when missing).</summary>
    /// <param name="options">The attachment options.</param>
    public FileSystemAttachmentBlobStore(IOptions<ChatKitAttachmentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _root = Path.GetFullPath(options.Value.FileSystemPath ?? Path.Combine(AppContext.BaseDirectory, "chatkit-attachments"));
    }

    /// <summary>The folder's full path.</summary>
    public string RootPath => _root;

    /// <inheritdoc/>
    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var path = PathOf(key);
        Directory.CreateDirectory(_root);
        // Written under a temporary name and moved, so a reader never sees half a file.
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <inheritdoc/>
    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<Stream?>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous));
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    /// <inheritdoc/>
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    private string PathOf(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        foreach (var c in key)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
            {
                throw new ArgumentException("a blob key has only letters, digits, '-' and '_'", nameof(key));
            }
        }

        return Path.Combine(_root, key);
    }
}
