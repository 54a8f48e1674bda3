using System.Net;
using System.Net.Sockets;

namespace ChatKit.Testing.Servers;

/// <summary>What every server fixture needs: a free loopback port and its log for a failure message.</summary>
internal static class ServerFiles
{
    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The server's log, or a word on why there is none.</summary>
    public static string ReadLog(string logFile)
    {
        try
        {
            return File.Exists(logFile) ? File.ReadAllText(logFile) : "(no log)";
        }
        catch (IOException)
        {
            return "(log unreadable)";
        }
    }
}
