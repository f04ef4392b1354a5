using System.CommandLine;

namespace Fastband.Cli;

/// <summary><c>fastband store ...</c>: which store the project uses, and copying it between SQLite and PostgreSQL.</summary>
internal static class StoreCommands
{
    public static Command Build()
    {
        var store = new Command("store", "The project's store: SQLite (.fastband/fastband.db, the default) or a shared PostgreSQL database.");

        var info = new Command("info", "Show the backend, where it is (never a password), its schema version and how follow modes wake.");
        info.SetAction(p => Run.With(p, project =>
        {
            var i = project.StoreAdmin.Info();
            return Outcome.Of(i, $"backend:        {i.Backend}\nlocation:       {i.Location}\nschema version: {i.SchemaVersion}\nfollow modes:   {i.Notifications}\nselected by:    {i.SelectedBy}");
        }));

        var to = new Option<string>("--to") { Description = "postgres: copy the SQLite file into PostgreSQL; sqlite: copy PostgreSQL into the SQLite file.", Required = true };
        var connection = new Option<string?>("--connection") { Description = "The PostgreSQL store (\"Host=..;Port=..;Database=..;Username=..\" or postgres://user@host/db), without a password. Default: the configured store." };
        var passwordEnv = new Option<string?>("--password-env") { Description = "The environment variable holding the PostgreSQL password (else a PGPASSFILE, ~/.pgpass, or store.passwordEnv)." };
        var schema = new Option<string?>("--schema") { Description = "The PostgreSQL schema (default: store.schema, else public)." };
        var path = new Option<string?>("--path") { Description = "The SQLite file (default: .fastband/fastband.db)." };
        var force = new Option<bool>("--force") { Description = "Replace what the target store already holds." };
        var migrate = new Command("migrate", "Copy every table of the store, ids included, to the other backend, and say what was copied. The source is left as it was.")
        {
            to, connection, passwordEnv, schema, path, force,
        };
        migrate.SetAction(p => Run.With(p, project =>
        {
            var r = project.StoreAdmin.Migrate(p.GetValue(to)!, p.GetValue(connection), p.GetValue(passwordEnv), p.GetValue(schema), p.GetValue(path), p.GetValue(force));
            string lines = string.Join(Environment.NewLine, r.Tables.Select(t => $"  {t.Table,-18} {t.Rows,8} rows" + (t.HighWater is { } hw ? $"  (ids up to {hw})" : "")));
            return Outcome.Of(r, $"Copied {r.From} -> {r.To} (schema version {r.SchemaVersion}){(r.Replaced ? ", replacing what the target held" : "")}:{Environment.NewLine}{lines}{Environment.NewLine}  {"total",-18} {r.TotalRows,8} rows");
        }));

        store.Subcommands.Add(info);
        store.Subcommands.Add(migrate);
        return store;
    }
}
