using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>May the holder of this fencing token still act under the lease? False after expiry, a break, or a newer grant.</summary>
[Cmdlet(VerbsDiagnostic.Test, "FastbandLockToken")]
[OutputType(typeof(TokenValidation))]
public sealed class TestFastbandLockTokenCommand : FastbandCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.LeaseIdCompleter))]
    public string LeaseId { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public long FencingToken { get; set; }

    protected override void Process(FastbandProject project) => WriteObject(project.Locks.Validate(LeaseId, FencingToken));
}
