using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Store;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Copies every table of the store, ids included, between the project's SQLite file and a PostgreSQL store:
/// <c>-To postgres</c> copies the SQLite file into PostgreSQL, <c>-To sqlite</c> the other way. The source is left
/// as it was; a target that already holds data is refused unless <c>-Force</c>.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "FastbandStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(StoreCopyResult))]
public sealed class CopyFastbandStoreCommand : FastbandCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet(StoreSettings.Postgres, StoreSettings.Sqlite)]
    public string To { get; set; } = "";

    /// <summary>The PostgreSQL store, without a password (default: the configured one).</summary>
    [Parameter]
    public string? Connection { get; set; }

    /// <summary>The environment variable that holds the PostgreSQL password (else a PGPASSFILE or store.passwordEnv).</summary>
    [Parameter]
    public string? PasswordEnv { get; set; }

    [Parameter]
    public string? Schema { get; set; }

    /// <summary>The SQLite file (default: .fastband/fastband.db).</summary>
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
