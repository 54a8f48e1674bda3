using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Tests;

/// <summary>Renders driver definitions to the BSON the server receives, as shell JSON (so types show: NumberLong, ISODate).</summary>
internal static class Rendering
{
    private static readonly JsonWriterSettings Shell = new() { OutputMode = JsonOutputMode.Shell };

    public static RenderArgs<T> Args<T>() => new(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry);

    public static string Json(this BsonValue value) => value.ToJson(Shell);

    public static string Render<T>(FilterDefinition<T> filter) => filter.Render(Args<T>()).Json();

    public static string Render<T>(UpdateDefinition<T> update) => update.Render(Args<T>()).Json();

    public static string Render<T>(SortDefinition<T> sort) => sort.Render(Args<T>()).Json();

    public static string Render<T>(ProjectionDefinition<T> projection) => projection.Render(Args<T>()).Json();

    public static string Render<T>(IndexKeysDefinition<T> keys) => keys.Render(Args<T>()).Json();

    public static string Render<TInput, TOutput>(PipelineDefinition<TInput, TOutput> pipeline) =>
        new BsonArray(pipeline.Render(Args<TInput>()).Documents).Json();
}
