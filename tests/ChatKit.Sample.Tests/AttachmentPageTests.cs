using Microsoft.Playwright;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static Microsoft.Playwright.Assertions;

namespace ChatKit.Sample.Tests;

/// <summary>Issue 16: on the sample page, one person attaches an image and sends it; the other sees it displayed.</summary>
public sealed class AttachmentPageTests(SampleSite site, Browser browser) : IClassFixture<SampleSite>, IClassFixture<Browser>
{
    private static byte[] Png(int width, int height)
    {
        using var image = new Image<Rgba32>(width, height, new Rgba32(20, 120, 220));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    [Fact]
    public async Task AttachedImage_SentByOne_IsDisplayedInTheOthersPage_AndAFileIsADownloadLink()
    {
        var (aliceId, bobId) = (ChatPage.NewUser("alice"), ChatPage.NewUser("bob"));
        var alice = new ChatPage(await browser.OpenAsync(site.Address));
        var bob = new ChatPage(await browser.OpenAsync(site.Address));
        await alice.SignInAsync(aliceId);
        await bob.SignInAsync(bobId);
        await alice.StartChatAsync(bobId);

        await alice.Page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload { Name = "blue.png", MimeType = "image/png", Buffer = Png(48, 32) });
        await Expect(alice.Page.GetByTestId("attachment-draft")).ToContainTextAsync("blue.png");
        await alice.SendAsync("a picture");
        await Expect(alice.Page.GetByTestId("attachment-draft")).ToHaveCountAsync(0);

        await bob.OpenAsync(aliceId);
        var image = bob.ItemOf("a picture").GetByTestId("attachment-image");
        await Expect(image).ToHaveAttributeAsync("alt", "blue.png");
        // Loaded and decoded by Chromium from the signed URL (no bearer token on an <img>).
        await Expect(image).ToHaveJSPropertyAsync("naturalWidth", 48);
        await Expect(image).ToHaveJSPropertyAsync("naturalHeight", 32);

        await alice.Page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "meeting notes"u8.ToArray() });
        await Expect(alice.Page.GetByTestId("attachment-draft")).ToContainTextAsync("notes.txt");
        await alice.Page.GetByTestId("composer").PressAsync("Enter");
        var link = bob.Page.GetByTestId("attachment-link");
        await Expect(link).ToContainTextAsync("notes.txt");
        await Expect(link).ToHaveAttributeAsync("download", "notes.txt");
    }
}
