# Shared set-up for the Pester files; dot-source it inside BeforeAll.

# The staged module's manifest (./build.sh makes it), or $env:FASTBAND_MODULE_MANIFEST. Background jobs and
# child pwsh processes import it by this path.
function Get-FastbandTestManifest {
    $repoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
    if ($env:FASTBAND_MODULE_MANIFEST) { $env:FASTBAND_MODULE_MANIFEST } else { Join-Path $repoRoot 'module/Fastband/Fastband.psd1' }
}

# The cmdlets the staged manifest exports, read without importing it (for BeforeDiscovery, to make one test per
# cmdlet); none when the module is not staged, and the file's BeforeAll then fails with the reason.
function Get-FastbandTestCmdletNames {
    $manifest = Get-FastbandTestManifest
    if (Test-Path -LiteralPath $manifest) { @((Import-PowerShellDataFile -LiteralPath $manifest).CmdletsToExport) } else { @() }
}

# Imports the staged module and returns the repository root.
function Import-FastbandTestModule {
    $repoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
    $manifest = Get-FastbandTestManifest
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "The staged module is missing at '$manifest': run ./build.sh first."
    }
    Import-Module $manifest -ErrorAction Stop
    $repoRoot
}

# Clears the variables that choose a project or an agent, so the caller's cannot leak into a test;
# returns what they were, for Restore-FastbandEnvironment.
function Clear-FastbandEnvironment {
    $saved = @{}
    foreach ($name in 'FASTBAND_PROJECT', 'FASTBAND_AGENT', 'AGENT_ID', 'FASTBAND_STORE', 'FASTBAND_HOST') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $saved
}

function Restore-FastbandEnvironment([hashtable] $Saved) {
    foreach ($name in $Saved.Keys) {
        [Environment]::SetEnvironmentVariable($name, $Saved[$name])
    }
}

# A new, empty project folder for one test (under Pester's TestDrive).
function New-TestProject {
    $path = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $path
    $path
}

# Creates the project's store with one harmless write (a general ops log entry by 'setup'): read-only cmdlets
# refuse a folder without a store (Fastband.NoStore) rather than answer from an empty one made up on the spot.
function Initialize-TestStore {
    param([Parameter(Mandatory)] [string] $Project)
    $null = Write-FastbandOpsLog -Project $Project -Agent setup -EventType general -Message 'test project set up'
}

# A thread job where the ThreadJob module is there (it ships with PowerShell 7), else a process job.
function Start-BackgroundJob {
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock, [object[]] $ArgumentList = @())
    if (Get-Command Start-ThreadJob -ErrorAction SilentlyContinue) {
        Start-ThreadJob -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList
    }
    else {
        Start-Job -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList
    }
}
