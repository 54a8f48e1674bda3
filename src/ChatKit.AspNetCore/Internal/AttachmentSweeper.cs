using ChatKit.Services;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// Runs <see cref="AttachmentService.SweepExpiredAsync"/> every <see cref="ChatKitAttachmentOptions.SweepInterval"/> on
/// ChatKit's <see cref="TimeProvider"/>. Every node may run it: the store's conditional delete lets one win per upload.
/// </summary>
internal sealed class AttachmentSweeper(AttachmentService attachments, TimeProvider time, IOptions<ChatKitAttachmentOptions> options, ILogger<AttachmentSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await attachments.SweepExpiredAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.AttachmentSweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>The file-system blob store's folder, when none is set: <c>chatkit-attachments</c> under the content root.</summary>
internal sealed class AttachmentFolderDefault(IWebHostEnvironment? environment = null) : IPostConfigureOptions<ChatKitAttachmentOptions>
{
    public void PostConfigure(string? name, ChatKitAttachmentOptions options)
    {
        if (options.FileSystemPath is null && environment is not null)
        {
            options.FileSystemPath = Path.Combine(environment.ContentRootPath, "chatkit-attachments");
        }
    }
}
