using ChatKit.ConsoleClient;

// dotnet run --project samples/ChatKit.ConsoleClient -- --user alice --with bob [--server http://localhost:5080/]
// Chats with the web sample (samples/ChatKit.Sample, started with `dotnet run`, which enables POST /dev/token).
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

return await ConsoleChat.RunAsync(args, Console.In, Console.Out, stop.Token);
