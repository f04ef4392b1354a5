using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Store;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The project's store: backend (sqlite or postgres), where it is (never a password), schema version, how follow modes wake.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandStore")]
[OutputType(typeof(StoreInfo))]
public sealed class GetFastbandStoreCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) => WriteObject(project.StoreAdmin.Info());
}
