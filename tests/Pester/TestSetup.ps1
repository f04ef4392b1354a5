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

# Clears the variables that choose a project, an agent or a database to back up (DATABASE_URL: without it every
# backup is `database: none`), so the caller's cannot leak into a test; returns what they were, for
# Restore-FastbandEnvironment.
function Clear-FastbandEnvironment {
    $saved = @{}
    foreach ($name in 'FASTBAND_PROJECT', 'FASTBAND_AGENT', 'AGENT_ID', 'FASTBAND_STORE', 'FASTBAND_HOST', 'DATABASE_URL') {
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

# ---------------------------------------------------------------------------------------------------------------
# Worker processes for the race tests. Each worker is a real `pwsh -NoProfile -NonInteractive -Command` process;
# its script is a common prologue (Import-Module, then the helpers below) followed by the test's body. A worker
# learns everything through the environment (FB_TEST_*), so that no path needs quoting. It marks its progress
# with files in the shared work folder, waits at gates that the test opens, and writes its results as JSON.
#
# Gates: the test writes "<gate>.gate" holding a UTC tick count a little in the future; every worker that sees it
# sleeps until that instant and goes. Waiting for an instant rather than for the file to appear lines the workers
# up far more tightly than polling alone would on a loaded machine.

# The pwsh running these tests, else the one on PATH (under a `dotnet pwsh.dll` shim the process is dotnet).
function Get-TestPwsh {
    $pwsh = [Environment]::ProcessPath
    if (-not $pwsh -or [System.IO.Path]::GetFileNameWithoutExtension($pwsh) -ne 'pwsh') {
        $pwsh = (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    }
    $pwsh
}

# The whole script a worker runs: the prologue, the test's body, and an epilogue that reports a failure.
function Get-TestWorkerScript([string] $Body) {
    $prologue = @'
$ErrorActionPreference = 'Stop'
function Set-TestMark([string] $Mark) {
    $null = New-Item -ItemType File -Force -Path (Join-Path $env:FB_TEST_WORK "$($env:FB_TEST_WORKER).$Mark.mark")
}
function Wait-TestGate([string[]] $Gate) {
    # Returns the name of the gate that opened (the first of them, when several are named).
    $deadline = [DateTime]::UtcNow.AddMinutes(3)
    while ($true) {
        foreach ($name in $Gate) {
            $path = Join-Path $env:FB_TEST_WORK "$name.gate"
            if (-not (Test-Path -LiteralPath $path)) { continue }
            $left = [long](Get-Content -LiteralPath $path -Raw) - [DateTime]::UtcNow.Ticks
            if ($left -gt 0) { [System.Threading.Thread]::Sleep([TimeSpan]::FromTicks($left)) }
            return $name
        }
        if ([DateTime]::UtcNow -gt $deadline) { throw "the gate '$($Gate -join "' or '")' never opened" }
        Start-Sleep -Milliseconds 5
    }
}
function Write-TestResult([string] $Name, $Value) {
    $path = Join-Path $env:FB_TEST_WORK "$($env:FB_TEST_WORKER).$Name.json"
    Set-Content -LiteralPath "$path.tmp" -Value (ConvertTo-Json -InputObject $Value -Depth 5 -Compress)
    Move-Item -LiteralPath "$path.tmp" -Destination $path -Force   # whole, or not there at all
}
try {
    if ($env:FB_TEST_MANIFEST) { Import-Module $env:FB_TEST_MANIFEST }
    # One pass through a gate of its own, so that the first real gate runs warm code: a cold first pass on a
    # loaded machine can be late by a second.
    $warmGate = "$($env:FB_TEST_WORKER)-warm-up"
    Set-Content -LiteralPath (Join-Path $env:FB_TEST_WORK "$warmGate.gate") -Value ([DateTime]::UtcNow.Ticks)
    $null = Wait-TestGate $warmGate

'@

    $epilogue = @'

    exit 0
}
catch {
    [Console]::Error.WriteLine("worker $($env:FB_TEST_WORKER) failed: $_ $($_.ScriptStackTrace)")
    exit 1
}
'@
    $prologue + $Body + $epilogue
}

# Starts one worker process. -Environment adds FB_TEST_* variables (or any others) for its body.
function Start-TestWorker {
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [string] $Work,
        [Parameter(Mandatory)] [string] $Body,
        [hashtable] $Environment = @{},
        [switch] $NoModule
    )
    $info = [System.Diagnostics.ProcessStartInfo]::new((Get-TestPwsh))
    $command = Get-TestWorkerScript $Body
    foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $command) { $info.ArgumentList.Add($argument) }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.Environment['FB_TEST_MANIFEST'] = if ($NoModule) { '' } else { Get-FastbandTestManifest }
    $info.Environment['FB_TEST_WORK'] = $Work
    $info.Environment['FB_TEST_WORKER'] = $Name
    foreach ($key in $Environment.Keys) { $info.Environment[$key] = "$($Environment[$key])" }
    $process = [System.Diagnostics.Process]::Start($info)
    [pscustomobject]@{
        Name    = $Name
        Work    = $Work
        Process = $process
        # Read both pipes from the start, so that a chatty worker cannot block on a full pipe.
        Stdout  = $process.StandardOutput.ReadToEndAsync()
        Stderr  = $process.StandardError.ReadToEndAsync()
    }
}

# What a worker said on stderr, once it has exited (for -Because and for failures).
function Get-TestWorkerError($Worker) {
    if ($Worker.Process.HasExited -and $Worker.Stderr.Wait(5000)) { "$($Worker.Stderr.Result)".Trim() } else { '' }
}

# Waits until every worker has made the mark; throws, naming it, if a worker exits first or the time runs out.
function Wait-TestMark {
    param([Parameter(Mandatory)] [object[]] $Worker, [Parameter(Mandatory)] [string] $Mark, [TimeSpan] $Timeout = [TimeSpan]::FromMinutes(3))
    $deadline = [DateTime]::UtcNow + $Timeout
    foreach ($w in $Worker) {
        $path = Join-Path $w.Work "$($w.Name).$Mark.mark"
        while (-not (Test-Path -LiteralPath $path)) {
            if ($w.Process.HasExited) { throw "Worker $($w.Name) exited (code $($w.Process.ExitCode)) before '$Mark': $(Get-TestWorkerError $w)" }
            if ([DateTime]::UtcNow -gt $deadline) { throw "Worker $($w.Name) did not reach '$Mark' within $Timeout." }
            Start-Sleep -Milliseconds 20
        }
    }
}

# Opens a gate: the workers waiting at it all go at the same instant, $Delay from now.
function Open-TestGate {
    param([Parameter(Mandatory)] [string] $Work, [Parameter(Mandatory)] [string] $Gate, [TimeSpan] $Delay = [TimeSpan]::FromMilliseconds(500))
    $path = Join-Path $Work "$Gate.gate"
    Set-Content -LiteralPath "$path.tmp" -Value ([DateTime]::UtcNow + $Delay).Ticks
    Move-Item -LiteralPath "$path.tmp" -Destination $path
}

# Waits for a result a worker writes with Write-TestResult; throws if it exits without it or the time runs out.
function Wait-TestResult {
    param([Parameter(Mandatory)] $Worker, [Parameter(Mandatory)] [string] $Name, [TimeSpan] $Timeout = [TimeSpan]::FromMinutes(3))
    $path = Join-Path $Worker.Work "$($Worker.Name).$Name.json"
    $deadline = [DateTime]::UtcNow + $Timeout
    while (-not (Test-Path -LiteralPath $path)) {
        if ($Worker.Process.HasExited) {
            if (Test-Path -LiteralPath $path) { break }
            throw "Worker $($Worker.Name) exited (code $($Worker.Process.ExitCode)) without writing '$Name': $(Get-TestWorkerError $Worker)"
        }
        if ([DateTime]::UtcNow -gt $deadline) { throw "Worker $($Worker.Name) did not write '$Name' within $Timeout." }
        Start-Sleep -Milliseconds 20
    }
    Get-Content -LiteralPath $path -Raw | ConvertFrom-Json
}

# The result if the worker has written it already, else $null.
function Get-TestResult {
    param([Parameter(Mandatory)] $Worker, [Parameter(Mandatory)] [string] $Name)
    $path = Join-Path $Worker.Work "$($Worker.Name).$Name.json"
    if (Test-Path -LiteralPath $path) { Get-Content -LiteralPath $path -Raw | ConvertFrom-Json }
}

# Waits for every worker to exit, and throws (naming it) for one that does not within the timeout.
function Wait-TestWorkerExit {
    param([Parameter(Mandatory)] [object[]] $Worker, [TimeSpan] $Timeout = [TimeSpan]::FromMinutes(3))
    $deadline = [DateTime]::UtcNow + $Timeout
    foreach ($w in $Worker) {
        $left = [Math]::Max(0, [int]($deadline - [DateTime]::UtcNow).TotalMilliseconds)
        if (-not $w.Process.WaitForExit($left)) { throw "Worker $($w.Name) did not finish within $Timeout." }
        $w.Process.WaitForExit()   # lets the redirected streams drain
    }
}

# Kills whichever of the workers still run (only ever processes this file started) and reaps them. For a finally.
function Stop-TestWorker {
    param([object[]] $Worker)
    foreach ($w in @($Worker)) {
        if ($null -eq $w) { continue }
        try {
            if (-not $w.Process.HasExited) { $w.Process.Kill() }
            $null = $w.Process.WaitForExit(30000)   # a killed child stays a zombie until its parent waits
        }
        catch [System.InvalidOperationException] { }   # it had already gone
    }
}

# Do any two [Start, End] spans overlap? Returns the overlapping pairs (empty when the spans follow one another).
function Find-OverlappingSpan {
    param([Parameter(Mandatory)] [AllowEmptyCollection()] [object[]] $Span)
    $sorted = @($Span | Sort-Object { [long]$_.Start })
    for ($i = 1; $i -lt $sorted.Count; $i++) {
        for ($j = 0; $j -lt $i; $j++) {
            if ([long]$sorted[$i].Start -lt [long]$sorted[$j].End) { [pscustomobject]@{ First = $sorted[$j]; Second = $sorted[$i] } }
        }
    }
}

# Did every span start before any span ended (latest start < earliest end)? The proof that workers raced.
function Test-AllSpansOverlap {
    param([Parameter(Mandatory)] [object[]] $Span)
    $latestStart = ($Span | ForEach-Object { [long]$_.Start } | Measure-Object -Maximum).Maximum
    $earliestEnd = ($Span | ForEach-Object { [long]$_.End } | Measure-Object -Minimum).Minimum
    $latestStart -lt $earliestEnd
}
