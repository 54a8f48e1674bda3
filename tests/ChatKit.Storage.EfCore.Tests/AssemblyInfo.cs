using ChatKit.Storage.EfCore.Tests.Support;

[assembly: AssemblyFixture(typeof(PostgresFixture))]
