#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite for the Fastband module.

.DESCRIPTION
    Uses the Pester 5 that ./test.sh restores from NuGet into .build/pester-packages (or a Pester 5.5+ on
    PSModulePath, or installs one from the PowerShell Gallery as a last resort); imports the staged module (module/Fastband/Fastband.psd1, which
    ./build.sh produces); runs every *.Tests.ps1 beside this script with Invoke-Pester -PassThru; and ends
    with the line "Pester: N passed, N failed".

    Exit codes: 0 every test passed; 1 a test failed (or none ran); 2 the suite could not run at all
    (no Pester and no way to install it, or no staged module).

.PARAMETER Path
    Test files or folders to run. Default: every *.Tests.ps1 in this folder.

.PARAMETER Build
    Run ./build.sh first (needs bash and the .NET SDK). Without it, ./build.sh runs only when the module
    has not been staged yet.

.PARAMETER ResultPath
    Also write NUnit XML results to this file.

.EXAMPLE
    pwsh -NoProfile -File tests/Pester/run.ps1

.EXAMPLE
    pwsh -NoProfile -File tests/Pester/run.ps1 -Build -Path tests/Pester/Fastband.OpsLog.Tests.ps1
#>
[CmdletBinding()]
param(
    [string[]] $Path,
    [switch] $Build,
    [string] $ResultPath
)

$ErrorActionPreference = 'Stop'
$repoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
$manifest = Join-Path $repoRoot 'module/Fastband/Fastband.psd1'

function Stop-Run([string] $Message) {
    [Console]::Error.WriteLine("run.ps1: $Message")
    exit 2
}

# --- the module -----------------------------------------------------------------------------------------
if (-not $Build -and -not (Test-Path -LiteralPath $manifest) -and (Get-Command bash -ErrorAction SilentlyContinue)) {
    Write-Host 'run.ps1: the module is not staged yet; running ./build.sh'
    $Build = [switch]::new($true)
}
if ($Build) {
    & bash (Join-Path $repoRoot 'build.sh')
    if ($LASTEXITCODE -ne 0) { Stop-Run "./build.sh failed (exit $LASTEXITCODE)." }
}
if (-not (Test-Path -LiteralPath $manifest)) {
    Stop-Run "The staged module is missing at '$manifest': run ./build.sh first (or pass -Build)."
}

# --- Pester 5 ---------------------------------------------------------------------------------------------
# ./test.sh restores Pester from NuGet into .build/pester-packages (tests/Pester/tools/Pester.proj); that copy
# wins. Without it, a Pester 5 already on PSModulePath is used, and only then the PowerShell Gallery.
$minimum = [version]'5.5.0'
function Find-Pester {
    $restored = Get-ChildItem -Path (Join-Path $repoRoot '.build/pester-packages/pester/*/tools/Pester.psd1') -ErrorAction SilentlyContinue |
        Sort-Object { [version]$_.Directory.Parent.Name } -Descending | Select-Object -First 1
    if ($restored) { return [pscustomobject]@{ Path = $restored.FullName; Version = [version]$restored.Directory.Parent.Name } }
    Get-Module -ListAvailable -Name Pester |
        Where-Object { $_.Version -ge $minimum -and $_.Version.Major -eq 5 } |
        Sort-Object Version -Descending |
        Select-Object -First 1
}

$pester = Find-Pester
if (-not $pester) {
    Write-Host "run.ps1: Pester $minimum or later is not installed; installing it for the current user from the PowerShell Gallery (./test.sh restores it from NuGet instead)..."
    try {
        Install-PSResource -Name Pester -Version '[5.5.0,6.0.0)' -Scope CurrentUser -TrustRepository -ErrorAction Stop
    }
    catch {
        Stop-Run "Pester $minimum or later is not installed and could not be installed ($($_.Exception.Message)). Run: dotnet restore tests/Pester/tools/Pester.proj"
    }
    $pester = Find-Pester
    if (-not $pester) { Stop-Run "Pester was installed but PowerShell still finds no Pester $minimum or later on PSModulePath." }
}
Remove-Module Pester -ErrorAction SilentlyContinue   # an older Pester (3.4 ships with Windows PowerShell) may be loaded
Import-Module $pester.Path -ErrorAction Stop
Write-Host "run.ps1: Pester $($pester.Version), module $manifest"

# --- run ------------------------------------------------------------------------------------------------
Import-Module $manifest -ErrorAction Stop

if (-not $Path) {
    $Path = @(Get-ChildItem -LiteralPath $PSScriptRoot -Filter '*.Tests.ps1' -File | Sort-Object Name | ForEach-Object FullName)
}
if (-not $Path) { Stop-Run "No *.Tests.ps1 files found in $PSScriptRoot." }

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
if ($ResultPath) {
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputFormat = 'NUnitXml'
    $configuration.TestResult.OutputPath = $ResultPath
}

$result = Invoke-Pester -Configuration $configuration

# A failure outside any test (a BeforeAll, a file that does not parse) counts as a failure too.
$passed = [int]$result.PassedCount
$failed = [int]$result.FailedCount + [int]$result.FailedBlocksCount + [int]$result.FailedContainersCount
Write-Host "Pester: $passed passed, $failed failed"
if ($passed -eq 0 -and $failed -eq 0) {
    [Console]::Error.WriteLine('run.ps1: no test ran.')
    exit 1
}
exit ([int]($failed -gt 0))
