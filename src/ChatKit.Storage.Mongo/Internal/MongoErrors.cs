using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary>Recognises the server errors the store handles.</summary>
internal static class MongoErrors
{
    /// <summary>Whether a write failed because it would have duplicated a unique index key (E11000).</summary>
    public static bool IsDuplicateKey(MongoException exception) => exception switch
    {
        MongoWriteException write => write.WriteError?.Category == ServerErrorCategory.DuplicateKey,
        MongoCommandException command => command.Code == 11000,
        _ => false,
    };

    /// <summary>Whether a write may not have reached the server (or its reply was lost) and can be sent again.</summary>
    public static bool IsTransient(Exception exception) => exception is
        MongoConnectionException or MongoNotPrimaryException or MongoNodeIsRecoveringException or TimeoutException
        || (exception is MongoException mongo && (mongo.HasErrorLabel("RetryableWriteError") || mongo.HasErrorLabel("TransientTransactionError")));
}
