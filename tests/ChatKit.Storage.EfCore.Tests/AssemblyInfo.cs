using ChatKit.Testing.Servers;
using ChatKit.Storage.EfCore.Tests.Support;

[assembly: AssemblyFixture(typeof(PostgresServerFixture))]
