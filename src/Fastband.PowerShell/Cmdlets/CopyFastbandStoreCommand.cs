using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Store;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Copies the store between the project's SQLite file and a PostgreSQL store.</summary>
/// <remarks>
/// <para>Copies every table, ids and id high-water marks included, in one transaction, and returns the rows copied per
/// table. -To postgres copies the SQLite file into PostgreSQL; -To sqlite copies the PostgreSQL store into the SQLite
/// file. The source is left as it was. A target that already holds data is refused unless -Force, which replaces it.
/// Confirmation is asked by default (ConfirmImpact High).</para>
/// <para>The connection must not carry a password: it comes from the variable -PasswordEnv names, else
/// store.passwordEnv, else a PGPASSFILE or ~/.pgpass.</para>
/// </remarks>
/// <example>
/// <code>
/// Copy-FastbandStore -To postgres -Connection 'Host=db1;Database=fastband;Username=fastband' -PasswordEnv FASTBAND_PG_PASSWORD
/// </code>
/// <para>Copies the project's SQLite store into PostgreSQL, taking the password from $env:FASTBAND_PG_PASSWORD.</para>
/// </example>
/// <example>
/// <code>
/// Copy-FastbandStore -To sqlite -Force -Confirm:$false
/// </code>
/// <para>Copies the configured PostgreSQL store back into .fastband/fastband.db, replacing what the file holds.</para>
/// </example>
[Cmdlet(VerbsCommon.Copy, "FastbandStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(StoreCopyResult))]
public sealed class CopyFastbandStoreCommand : FastbandCmdlet
{
    /// <summary>The store to copy into: postgres or sqlite.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet(StoreSettings.Postgres, StoreSettings.Sqlite)]
    public string To { get; set; } = "";

    /// <summary>The PostgreSQL store: a connection string or postgres:// URL without a password. Default: the one
    /// configured in config.yaml.</summary>
    [Parameter]
    public string? Connection { get; set; }

    /// <summary>The name of the environment variable that holds the PostgreSQL password (else store.passwordEnv, else a
    /// PGPASSFILE or ~/.pgpass).</summary>
    [Parameter]
    public string? PasswordEnv { get; set; }

    /// <summary>The PostgreSQL schema to use. Default: the configured one, else public.</summary>
    [Parameter]
    public string? Schema { get; set; }

    /// <summary>The SQLite file. Default: .fastband/fastband.db in the project.</summary>
    [Parameter]
    [Alias("PSPath")]
    public string? LiteralPath { get; set; }

    /// <summary>Replace what the target store already holds.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process(FastbandProject project)
    {
        string? path = LiteralPath is null ? null : GetUnresolvedProviderPathFromPSPath(LiteralPath);
        string target = To == StoreSettings.Postgres ? Connection ?? "the configured PostgreSQL store" : path ?? "the project's SQLite file";
        if (ShouldProcess(target, Force ? "Copy the store, replacing what it holds" : "Copy the store"))
            WriteObject(project.StoreAdmin.Migrate(To, Connection, PasswordEnv, Schema, path, Force));
    }
}
