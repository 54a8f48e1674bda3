using ChatKit.Internal;

namespace ChatKit;

/// <summary>The authenticated user on whose behalf a service call runs.</summary>
/// <param name="Id">The stable user id (the <c>sub</c> claim by default).</param>
/// <param name="Name">The display name (the <c>name</c> claim by default, falling back to the id).</param>
public sealed record ChatUser(string Id, string Name)
{
    /// <summary>Creates a user whose display name is its id.</summary>
    /// <param name="id">The user id.</param>
    public ChatUser(string id)
        : this(id, id)
    {
    }

    /// <summary>
    /// Creates a user from what an authentication token says, by ChatKit's text rules: an id that is blank, longer than
    /// <see cref="ChatKitOptions.MaxIdLength"/> or has a control, format or unpaired-surrogate character is refused (a
    /// truncated or cleaned id could be someone else's); the display name is NFC-normalised, loses control and
    /// bidirectional-override characters, is cut to <see cref="ChatKitOptions.MaxDisplayNameLength"/>, and falls back to
    /// the id when nothing visible is left.
    /// </summary>
    /// <param name="id">The user id claim, or <see langword="null"/>.</param>
    /// <param name="name">The display name claim, or <see langword="null"/>.</param>
    /// <param name="options">The limits.</param>
    /// <returns>The user, or <see langword="null"/> when the id is refused.</returns>
    public static ChatUser? Create(string? id, string? name, ChatKitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!ContentNormalizer.IsValidId(id, options.MaxIdLength))
        {
            return null;
        }

        return new ChatUser(id!, ContentNormalizer.DisplayName(name, id!, options.MaxDisplayNameLength));
    }
}
