using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Store;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the project's store: backend, location, schema version and how follow modes wake.</summary>
/// <remarks>
/// <para>Returns one StoreInfo: the backend (sqlite or postgres), where it is (never a password), its schema version,
/// how Get-FastbandOpsLog -Follow and Update-FastbandTranscript -Watch learn of new writes (LISTEN/NOTIFY or polling),
/// and what chose the store (FASTBAND_STORE, config.yaml or the default).</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandStore
/// </code>
/// <para>Shows which store the project uses.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandStore -Project /srv/checkouts/app
/// </code>
/// <para>The store of another project folder.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandStore")]
[OutputType(typeof(StoreInfo))]
public sealed class GetFastbandStoreCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) => WriteObject(project.StoreAdmin.Info());
}
