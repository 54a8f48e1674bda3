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
}
